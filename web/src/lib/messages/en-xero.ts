/**
 * English for connecting Xero, its settings, the Reconnect banner, Xero's calls on the
 * System page and the Xero conversation in the chat list: loaded with those parts
 * (xero/messages.ts registers it), so the first load of every page stays small.
 */
export const enXero = {
  'more.xeroHint': 'Connect Xero so staff can ask about invoices and balances.',

  'xero.title': 'Xero',
  'xero.subtitle': 'Staff with Read Xero ask Xero from the chat; the books stay in Xero.',
  'xero.loading': 'Loading the Xero connection…',

  'xero.connectTitle': 'Connect Xero',
  'xero.connectIntro':
    'Backboard asks Xero directly from the shop, only what staff ask for, and never changes anything in Xero unless you allow drafting.',
  'xero.howLegend': 'How do you connect?',
  'xero.customChoice': 'Custom Connection',
  'xero.customChoiceHint':
    'A Custom Connection app for one organisation (Australia, New Zealand, the UK or the US). Xero charges for it; nobody has to sign in.',
  'xero.oauthChoice': 'Sign in with Xero',
  'xero.oauthChoiceHint':
    'A free Web app or Mobile or desktop app in Xero: you sign in once and pick the organisation.',
  'xero.customSteps1': 'At developer.xero.com, choose New app, then Custom connection.',
  'xero.customSteps2': 'Tick the scopes below, choose the user who authorises it, and save.',
  'xero.customSteps3':
    'Once they authorised it in Xero, copy the client id and generate a secret, then paste both here.',
  'xero.oauthSteps1': 'At developer.xero.com, choose New app: a Web app, or a Mobile or desktop app (no secret).',
  'xero.oauthSteps2': 'Give it this redirect URI, exactly:',
  'xero.oauthSteps3': 'Paste its client id here and sign in with Xero; you come back here when done.',
  'xero.redirectUri': 'Redirect URI',
  'xero.redirectCopied': 'Redirect URI copied.',
  'xero.redirectHint':
    'Xero accepts plain http only for localhost: open Backboard at http://localhost:8080 on the box itself, or set PUBLIC_URL to its https address.',
  'xero.openDeveloper': 'Open developer.xero.com',
  'xero.clientId': 'Client id',
  'xero.clientSecret': 'Client secret',
  'xero.clientSecretOptional': 'Client secret (Web app only)',
  'xero.clientSecretOptionalHint': 'Leave it empty for a Mobile or desktop app.',
  'xero.clientIdRequired': 'Enter the client id of your Xero app.',
  'xero.clientSecretRequired': 'Enter the client secret of your Custom Connection.',
  'xero.allowWrites': 'Allow drafting invoices and bills',
  'xero.allowWritesHint':
    'Asks Xero for accounting.invoices. Drafts are only ever created after someone with Change Xero confirms them.',
  'xero.connect': 'Connect',
  'xero.signIn': 'Sign in with Xero',
  'xero.connectedToast': 'Xero is connected to {organisation}.',

  'xero.error.xero_state': 'That sign-in to Xero had expired or was started elsewhere. Please try again.',
  'xero.error.xero_denied': 'Xero was not allowed access. Nothing was connected.',
  'xero.error.xero_failed': 'Xero did not complete the sign-in. Check the client id and secret and the redirect URI.',
  'xero.error.xero_no_organisation': 'This Xero app is not connected to any organisation.',
  'xero.error.other': 'Connecting Xero did not work ({code}).',

  'xero.chooseTitle': 'Choose the organisation',
  'xero.chooseIntro': 'Xero gave access to several organisations. Backboard answers from one of them.',
  'xero.chooseLegend': 'Organisation',
  'xero.choose': 'Use this organisation',

  'xero.connectionTitle': 'Connection',
  'xero.connectedTitle': 'Connected',
  'xero.kind.custom': 'Custom Connection',
  'xero.kind.oauth': 'Signed in with Xero',
  'xero.callsLeft': 'Calls left today',
  'xero.callsLeftUnknown': 'Not known until the first question',
  'xero.scopes': 'Xero allowed',
  'xero.scope.offline_access': 'Stay connected',
  'xero.scope.accounting.settings.read': 'Organisation settings',
  'xero.scope.accounting.contacts.read': 'Contacts',
  'xero.scope.accounting.invoices.read': 'Invoices and bills',
  'xero.scope.accounting.payments.read': 'Payments',
  'xero.scope.accounting.reports.banksummary.read': 'Bank balances',
  'xero.scope.accounting.reports.aged.read': 'Aged receivables and payables',
  'xero.scope.accounting.reports.profitandloss.read': 'Profit and loss',
  'xero.scope.accounting.invoices': 'Draft invoices and bills',
  'xero.scope.accounting.attachments': 'Attach photos to bills',
  'xero.scopeRead': 'read only',
  'xero.scopeWrite': 'can write',
  'xero.noScopes': 'Xero did not list what it allowed.',
  'xero.disconnect': 'Disconnect',
  'xero.disconnectTitle': 'Disconnect Xero?',
  'xero.disconnectBody':
    'Staff can no longer ask Xero, and Backboard forgets the keys Xero gave it. Answers already shared stay in their conversations.',
  'xero.disconnected': 'Xero is disconnected.',

  'xero.reconnectTitle': 'Xero needs reconnecting',
  'xero.reconnectOauth':
    'Xero no longer accepts Backboard’s sign-in (it was disconnected in Xero or unused for 60 days). Sign in again to carry on.',
  'xero.reconnectCustom':
    'Xero no longer accepts this Custom Connection’s client id and secret. Paste the current ones to carry on.',
  'xero.reconnect': 'Reconnect',

  'xero.settingsTitle': 'What Backboard does with Xero',
  'xero.alerts': 'Alerts channel',
  'xero.alertsHint': 'Invoices newly paid or newly overdue are posted here as cards.',
  'xero.alertsOff': 'No alerts',
  'xero.digest': 'Daily digest',
  'xero.digestHint': 'A summary of what is overdue, posted to the alerts channel at this hour (shop time).',
  'xero.digestOff': 'Off',
  'xero.customerBalance': 'Customers may ask for their balance',
  'xero.customerBalanceHint':
    'A customer on Telegram whose conversation is linked to a Xero contact can send /balance and gets that contact’s unpaid invoices, nothing else.',
  'xero.writes': 'Allow drafting invoices and bills',
  'xero.writesHint':
    'Members with Change Xero can prepare draft invoices and bills; nothing reaches Xero until they confirm, and Xero never approves them by itself.',
  'xero.writesNotGranted': 'Xero has not allowed drafting yet.',
  'xero.writesOauthAction': 'Sign in again to allow drafting',
  'xero.writesCustomHint':
    'Add the accounting.invoices scope to the Custom Connection at developer.xero.com, then reconnect it here.',
  'xero.saved': 'Xero settings saved.',

  'xero.banner': 'Xero needs reconnecting — ask the owner.',
  'xero.bannerOwner': 'Xero needs reconnecting.',
  'xero.bannerAction': 'Reconnect',

  'xero.usageTitle': 'Xero calls',
  'xero.usageIntro': 'Xero allows 60 calls a minute and 5,000 a day for each organisation, and 5 at the same time.',
  'xero.callsToday': 'Calls today',
  'xero.remainingToday': 'Left today',
  'xero.usedToday': '{percent}% of today’s calls used',
  'xero.remainingThisMinute': 'Left this minute',
  'xero.inFlight': 'Calls under way',
  'xero.heldUntil': 'Xero asked for a pause until {time}.',
  'xero.usageNotConnected': 'Xero is not connected.',
  'xero.openXero': 'Connect Xero',

  'xero.conversationSubtitle': 'Your questions to Xero',
  'xero.ask': 'Ask Xero',
} satisfies Record<string, string>
