/** Registers the Xero connection's English messages; every module that shows them imports this first. */
import { addMessages } from '../../lib/i18n'
import { enXero } from '../../lib/messages/en-xero'

addMessages(enXero)
