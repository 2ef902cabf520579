/** English: wall screen, displays, staff directory and info pages. Merged into en.ts. */
export const enWall = {
  'wall.title': 'Wall screen',
} as const
