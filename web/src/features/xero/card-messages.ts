/** Registers the English of Xero cards; every module that shows them imports this first. */
import { addMessages } from '../../lib/i18n'
import { enXeroCards } from '../../lib/messages/en-xero-cards'

addMessages(enXeroCards)
