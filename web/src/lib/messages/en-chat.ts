/** English: board, conversations, messages, notices and search. Merged into en.ts. */
export const enChat = {
  'chat.title': 'Chat',
} as const
