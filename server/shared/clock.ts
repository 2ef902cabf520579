/** Time comes from here so tests can fix it. Epoch milliseconds everywhere. */
export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** A clock tests can set and move forward. */
export class ManualClock implements Clock {
  constructor(private current: number) {}
  now(): number {
    return this.current
  }
  set(time: number): void {
    this.current = time
  }
  advance(ms: number): void {
    this.current += ms
  }
}
