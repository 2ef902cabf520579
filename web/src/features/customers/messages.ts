/** Registers the customers' English messages; every module that shows them imports this first. */
import { addMessages } from '../../lib/i18n'
import { enCustomers } from '../../lib/messages/en-customers'

addMessages(enCustomers)
