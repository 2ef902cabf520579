/**
 * The Take button of a job's notification, run by the service worker: it takes the job
 * without opening the app and words the notification that replaces the one tapped. Apart
 * from sw.ts so that it can be tested with a fake fetch.
 *
 * Only sw.ts imports this file, and it imports nothing: the service worker is a classic
 * script and cannot load a chunk shared with the app, so its few words live here and not
 * in the app's message catalogue.
 */

/** What a job's notification carries for its buttons (server/tasks/push.ts). */
export interface TaskNotificationData {
  taskId: number
  taskTitle?: string
}

export interface NotificationText {
  title: string
  body: string
}

export function isTaskNotificationData(data: unknown): data is TaskNotificationData {
  return typeof data === 'object' && data !== null && Number.isInteger((data as { taskId?: unknown }).taskId)
}

/**
 * Presses Take for the member whose phone this is. The session cookie goes along, and the
 * request's Origin is the app's own, so the server's cross-site check lets it through.
 */
export async function takeFromNotification(
  fetcher: typeof fetch,
  data: TaskNotificationData,
  shownTitle: string,
): Promise<NotificationText> {
  const jobTitle = data.taskTitle ?? ''
  let response: Response
  try {
    response = await fetcher(`/api/tasks/${data.taskId}/take`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
    })
  } catch {
    return { title: shownTitle, body: 'Backboard did not answer. Open the app to take the job.' }
  }
  const answer = (await response.json().catch(() => null)) as {
    title?: unknown
    code?: unknown
    message?: unknown
    takenBy?: { displayName?: unknown }
  } | null
  if (response.ok) {
    const title = typeof answer?.title === 'string' ? answer.title : jobTitle
    return { title: `You have it: ${title}`, body: 'Tap to open the job.' }
  }
  if (response.status === 409 && answer?.code === 'task_taken') {
    const name = answer.takenBy?.displayName
    return { title: typeof name === 'string' ? `Already taken by ${name}` : 'Already taken', body: jobTitle }
  }
  const message = typeof answer?.message === 'string' ? answer.message : 'The job could not be taken.'
  return { title: shownTitle, body: message }
}
