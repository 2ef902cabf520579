/** Routes for schedules, problem reports and their categories, and the owners' stats. */
import type { App } from '../shared/app-types'
import type { AppContext } from '../shared/context'

export function registerTaskAdminRoutes(_app: App, _ctx: AppContext): void {}
