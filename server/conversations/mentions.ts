/** Finds @username, @here and @all in a message body. */
const MENTION = /(^|[^\p{L}\p{N}_@.])@([a-z0-9][a-z0-9._-]{1,31})/giu

export interface ParsedMentions {
  usernames: string[]
  hasHere: boolean
  hasAll: boolean
}

export function parseMentions(body: string): ParsedMentions {
  const usernames = new Set<string>()
  let hasHere = false
  let hasAll = false
  for (const match of body.matchAll(MENTION)) {
    const name = (match[2] ?? '').replace(/[._-]+$/, '').toLowerCase()
    if (name === 'here') hasHere = true
    else if (name === 'all' || name === 'everyone') hasAll = true
    else if (name.length >= 3) usernames.add(name)
  }
  return { usernames: [...usernames], hasHere, hasAll }
}
