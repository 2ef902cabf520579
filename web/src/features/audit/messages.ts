/** Registers the audit log's English messages; every module that shows them imports this first. */
import { addMessages } from '../../lib/i18n'
import { enAudit } from '../../lib/messages/en-audit'

addMessages(enAudit)
