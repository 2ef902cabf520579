/** The task timers, run every few seconds by buildApp. */
import type { AppContext } from '../shared/context'

export async function runTaskJobs(_ctx: AppContext): Promise<void> {}
