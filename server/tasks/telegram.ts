/** Tasks on Telegram: registered on the bridge's registry before the bridge is created. */
import type { AppContext } from '../shared/context'
import type { TelegramRegistry } from '../telegram/registry'

/** Registers the task kind's commands, buttons and mirror (buildApp calls it once). */
export function registerTaskTelegram(_registry: TelegramRegistry, _ctx: AppContext): void {}
