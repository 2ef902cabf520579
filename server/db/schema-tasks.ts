/** Table types of tasks: queues, schedules, report categories, tasks and what hangs off them. */
import type { Generated } from 'kysely'

export type TaskState = 'open' | 'taken' | 'started' | 'done' | 'cancelled'
export type QueueMode = 'claim' | 'pull'

export interface TaskQueueTable {
  id: Generated<number>
  name: string
  mode: QueueMode
  conversation_id: number
  ageing_per_hour: Generated<number>
  start_within_minutes: number | null
  escalate_after_minutes: number | null
  requires_on_shift: Generated<number>
  return_when_off_shift: Generated<number>
  created_by: number | null
  created_at: number
  archived_at: number | null
}

export interface TaskScheduleTable {
  id: Generated<number>
  title: string
  details: Generated<string>
  private_details: Generated<string>
  priority: Generated<number>
  value: number | null
  skills: Generated<string>
  roles: Generated<string>
  checklist: Generated<string>
  photo_required: Generated<number>
  conversation_id: number | null
  queue_id: number | null
  rule: string
  due_after_minutes: Generated<number>
  created_through: number
  created_by: number | null
  created_at: number
  paused_at: number | null
}

export interface ReportCategoryTable {
  id: Generated<number>
  name: string
  queue_id: number
  priority: Generated<number>
  responsible_ids: Generated<string>
  created_at: number
  archived_at: number | null
}

export interface TaskTable {
  message_id: number
  queue_id: number | null
  title: string
  private_details: Generated<string>
  details_before_taking: Generated<number>
  priority: number
  value: number | null
  due_at: number | null
  skills: Generated<string>
  roles: Generated<string>
  photo_required: Generated<number>
  state: TaskState
  taken_by: number | null
  taken_at: number | null
  started_at: number | null
  done_at: number | null
  done_note: Generated<string>
  done_message_id: number | null
  cancelled_at: number | null
  created_by: number | null
  created_at: number
  opened_at: number
  escalated_at: number | null
  reporter_id: number | null
  category_id: number | null
  schedule_id: number | null
  occurrence_key: string | null
  version: Generated<number>
  /** Only members with this permission may take it. */
  required_permission: string | null
}

export interface TaskCheckTable {
  id: Generated<number>
  task_id: number
  position: number
  text: string
  done_by: number | null
  done_at: number | null
}

export interface TaskChangeTable {
  id: Generated<number>
  task_id: number
  action: string
  actor_id: number | null
  member_id: number | null
  at: number
}

export interface TaskFollowerTable {
  task_id: number
  member_id: number
}

export interface TaskRevealTable {
  task_id: number
  member_id: number
  at: number
}

export interface TaskProfileTable {
  member_id: number
  skills: Generated<string>
  active_limit: number | null
  score_cap: number | null
  updated_by: number | null
  updated_at: number
}
