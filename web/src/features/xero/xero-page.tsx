/**
 * /xero — the owner connects Xero (a Custom Connection, or signing in with Xero through the
 * OAuth flow, which leaves the app and comes back here), picks the organisation when Xero
 * offers several, sees what Xero allowed, reconnects, disconnects, and decides what Backboard
 * does with Xero: alerts, the daily digest, customers' balance and drafting.
 */
import './messages'
import { useEffect, useState } from 'preact/hooks'
import { ApiError } from '../../lib/api'
import { errorMessage } from '../../lib/errors'
import { hasMessage, locale, t } from '../../lib/i18n'
import { navigate, searchParam } from '../../lib/router'
import { Button } from '../../ui/button'
import { CopyField } from '../../ui/copy-field'
import { confirm } from '../../ui/dialog'
import { Loading } from '../../ui/empty-state'
import { CheckField, Field, FormError, PasswordField, RadioGroup, SelectField } from '../../ui/field'
import { Icon } from '../../ui/icons'
import { LoadError } from '../../ui/load-error'
import { Page, Section } from '../../ui/page'
import { toast } from '../../ui/toast'
import { conversations } from '../chat/store'
import { noteXeroState } from './reconnect-banner'
import { callbackUrl, xeroApi, type XeroConnection, type XeroSettings } from './xero-api'
import './xero.css'

/**
 * The read scopes Backboard asks for (READ_SCOPES in server/xero/connection.ts), less
 * offline_access, which a Custom Connection has no use for.
 */
const CUSTOM_SCOPES = [
  'accounting.settings.read',
  'accounting.contacts.read',
  'accounting.invoices.read',
  'accounting.payments.read',
  'accounting.reports.banksummary.read',
  'accounting.reports.aged.read',
  'accounting.reports.profitandloss.read',
]
/** What drafting adds (WRITE_SCOPES on the server): invoices and bills, and a bill's photo. */
const WRITE_SCOPES = ['accounting.invoices', 'accounting.attachments']
const WRITE_SCOPE = WRITE_SCOPES[0]!
const DEVELOPER_URL = 'https://developer.xero.com/app/manage'

/** Sends the browser to Xero to sign in; Xero sends it back to /api/xero/callback, then here. */
async function signInWithXero(input: Parameters<typeof xeroApi.authorize>[0]): Promise<void> {
  const { url } = await xeroApi.authorize(input)
  window.location.assign(url)
}

function callbackErrorText(code: string): string {
  const key = `xero.error.${code}`
  return hasMessage(key) ? t(key) : t('xero.error.other', { code })
}

export function XeroPage() {
  const [connection, setShown] = useState<XeroConnection | null>(null)
  const setConnection = (view: XeroConnection) => {
    setShown(view)
    noteXeroState(view.state)
  }
  const [loadError, setLoadError] = useState<string | null>(null)
  // Xero sent the browser back with ?error=…: say so once, and drop it from the address.
  const [callbackError] = useState(() => searchParam('error'))
  useEffect(() => {
    if (callbackError) navigate('/xero', { replace: true })
  }, [callbackError])

  const load = () =>
    xeroApi.connection().then(
      (view) => {
        setConnection(view)
        setLoadError(null)
      },
      (error: unknown) => setLoadError(errorMessage(error)),
    )
  useEffect(() => {
    void load()
  }, [])

  const state = connection?.state
  return (
    <Page title={t('xero.title')} subtitle={t('xero.subtitle')}>
      {callbackError ? (
        <p class="notice notice-error" role="alert">
          {callbackErrorText(callbackError)}
        </p>
      ) : null}
      {loadError ? <LoadError message={loadError} onRetry={() => void load()} /> : null}
      {!connection && !loadError ? <Loading label={t('xero.loading')} /> : null}
      {state === 'disconnected' ? <ConnectSection onConnected={setConnection} /> : null}
      {connection && state === 'choose_tenant' ? (
        <ChooseTenant connection={connection} onChanged={setConnection} />
      ) : null}
      {connection && state === 'reconnect' ? <Reconnect connection={connection} onConnected={setConnection} /> : null}
      {connection && (state === 'connected' || state === 'reconnect') ? (
        <>
          <ConnectionFacts connection={connection} onDisconnected={setConnection} />
          <SettingsSection connection={connection} />
        </>
      ) : null}
    </Page>
  )
}

function connectedToast(view: XeroConnection): void {
  if (view.organisation) toast(t('xero.connectedToast', { organisation: view.organisation.name }))
}

/* ---- Disconnected: the two ways in ---- */

type Method = 'custom' | 'oauth'

function ConnectSection({ onConnected }: { onConnected: (view: XeroConnection) => void }) {
  const [method, setMethod] = useState<Method>('custom')
  return (
    <Section title={t('xero.connectTitle')} id="xero-connect">
      <p class="card-text">{t('xero.connectIntro')}</p>
      <RadioGroup<Method>
        legend={t('xero.howLegend')}
        value={method}
        onValue={setMethod}
        name="xero-method"
        options={[
          { value: 'custom', label: t('xero.customChoice'), hint: t('xero.customChoiceHint') },
          { value: 'oauth', label: t('xero.oauthChoice'), hint: t('xero.oauthChoiceHint') },
        ]}
      />
      <div class="xero-method">
        {method === 'custom' ? (
          <>
            <ol class="xero-steps">
              <li>{t('xero.customSteps1')}</li>
              <li>
                {t('xero.customSteps2')}
                <ScopeList scopes={CUSTOM_SCOPES} />
              </li>
              <li>{t('xero.customSteps3')}</li>
            </ol>
            <DeveloperLink />
            <CustomForm
              submitLabel={t('xero.connect')}
              onConnected={(view) => {
                connectedToast(view)
                onConnected(view)
              }}
            />
          </>
        ) : (
          <OauthForm />
        )}
      </div>
    </Section>
  )
}

function DeveloperLink() {
  return (
    <p class="xero-developer">
      <a href={DEVELOPER_URL} target="_blank" rel="noopener noreferrer">
        {t('xero.openDeveloper')}
        <Icon name="external" size={16} />
      </a>
    </p>
  )
}

/** The scopes to tick in Xero's developer portal, as Xero names them. */
function ScopeList({ scopes }: { scopes: readonly string[] }) {
  return (
    <ul class="xero-scope-names">
      {scopes.map((scope) => (
        <li key={scope}>
          <code>{scope}</code>
        </li>
      ))}
      {WRITE_SCOPES.map((scope) => (
        <li key={scope}>
          <code>{scope}</code> <span class="muted">({t('xero.allowWrites')})</span>
        </li>
      ))}
    </ul>
  )
}

/** Error codes that are about the client id and secret themselves. */
const CREDENTIAL_ERRORS = new Set(['xero_credentials', 'xero_no_organisation'])

function CustomForm({
  submitLabel,
  onConnected,
}: {
  submitLabel: string
  onConnected: (view: XeroConnection) => void
}) {
  const [clientId, setClientId] = useState('')
  const [clientSecret, setClientSecret] = useState('')
  const [fieldErrors, setFieldErrors] = useState<{ clientId?: string; clientSecret?: string }>({})
  const [formError, setFormError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)

  const submit = async (event: Event) => {
    event.preventDefault()
    const id = clientId.trim()
    const secret = clientSecret.trim()
    setFormError(null)
    const missing = {
      ...(id ? {} : { clientId: t('xero.clientIdRequired') }),
      ...(secret ? {} : { clientSecret: t('xero.clientSecretRequired') }),
    }
    setFieldErrors(missing)
    if (!id || !secret) return
    setBusy(true)
    try {
      const view = await xeroApi.connectCustom(id, secret)
      setClientSecret('')
      onConnected(view)
    } catch (error) {
      if (error instanceof ApiError && CREDENTIAL_ERRORS.has(error.code))
        setFieldErrors({ clientSecret: error.message })
      else setFormError(errorMessage(error))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form class="form xero-form" onSubmit={submit} noValidate>
      <Field
        label={t('xero.clientId')}
        value={clientId}
        onValue={(value) => {
          setClientId(value)
          setFieldErrors({ ...fieldErrors, clientId: undefined })
        }}
        error={fieldErrors.clientId}
        autoComplete="off"
        autocapitalize="off"
        spellcheck={false}
        name="xero-client-id"
      />
      <PasswordField
        label={t('xero.clientSecret')}
        value={clientSecret}
        onValue={(value) => {
          setClientSecret(value)
          setFieldErrors({ ...fieldErrors, clientSecret: undefined })
        }}
        error={fieldErrors.clientSecret}
        autoComplete="off"
        name="xero-client-secret"
      />
      <FormError message={formError} />
      <div class="form-actions">
        <Button type="submit" variant="primary" icon="link" isBusy={isBusy}>
          {submitLabel}
        </Button>
      </div>
    </form>
  )
}

function OauthForm() {
  const [clientId, setClientId] = useState('')
  const [clientSecret, setClientSecret] = useState('')
  const [writes, setWrites] = useState(false)
  const [idError, setIdError] = useState<string | null>(null)
  const [formError, setFormError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)
  const redirectUri = callbackUrl(location.origin)

  const submit = async (event: Event) => {
    event.preventDefault()
    const id = clientId.trim()
    setFormError(null)
    if (!id) return setIdError(t('xero.clientIdRequired'))
    setBusy(true)
    try {
      const secret = clientSecret.trim()
      await signInWithXero({ clientId: id, ...(secret ? { clientSecret: secret } : {}), writes })
    } catch (error) {
      setFormError(errorMessage(error))
      setBusy(false)
    }
  }

  return (
    <>
      <ol class="xero-steps">
        <li>{t('xero.oauthSteps1')}</li>
        <li>
          {t('xero.oauthSteps2')}
          <CopyField
            label={t('xero.redirectUri')}
            value={redirectUri}
            copiedToast={t('xero.redirectCopied')}
            class="xero-redirect"
          />
          <p class="field-hint">{t('xero.redirectHint')}</p>
        </li>
        <li>{t('xero.oauthSteps3')}</li>
      </ol>
      <DeveloperLink />
      <form class="form xero-form" onSubmit={submit} noValidate>
        <Field
          label={t('xero.clientId')}
          value={clientId}
          onValue={(value) => {
            setClientId(value)
            setIdError(null)
          }}
          error={idError}
          autoComplete="off"
          autocapitalize="off"
          spellcheck={false}
          name="xero-oauth-client-id"
        />
        <PasswordField
          label={t('xero.clientSecretOptional')}
          hint={t('xero.clientSecretOptionalHint')}
          value={clientSecret}
          onValue={setClientSecret}
          autoComplete="off"
          name="xero-oauth-client-secret"
        />
        <CheckField
          label={t('xero.allowWrites')}
          hint={t('xero.allowWritesHint')}
          checked={writes}
          onChecked={setWrites}
        />
        <FormError message={formError} />
        <div class="form-actions">
          <Button type="submit" variant="primary" icon="external" isBusy={isBusy}>
            {t('xero.signIn')}
          </Button>
        </div>
      </form>
    </>
  )
}

/* ---- Several organisations: pick one ---- */

function ChooseTenant({
  connection,
  onChanged,
}: {
  connection: XeroConnection
  onChanged: (view: XeroConnection) => void
}) {
  const [tenantId, setTenantId] = useState(connection.tenants[0]?.id ?? '')
  const [error, setError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)
  const choose = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const view = await xeroApi.chooseTenant(tenantId)
      connectedToast(view)
      onChanged(view)
    } catch (caught) {
      setError(errorMessage(caught))
    } finally {
      setBusy(false)
    }
  }
  return (
    <Section title={t('xero.chooseTitle')} id="xero-choose">
      <p class="card-text">{t('xero.chooseIntro')}</p>
      <form class="form" onSubmit={choose}>
        <RadioGroup
          legend={t('xero.chooseLegend')}
          value={tenantId}
          onValue={setTenantId}
          name="xero-tenant"
          options={connection.tenants.map((tenant) => ({ value: tenant.id, label: tenant.name }))}
        />
        <FormError message={error} />
        <div class="form-actions">
          <DisconnectButton onDisconnected={onChanged} />
          <Button type="submit" variant="primary" icon="check" isBusy={isBusy} disabled={!tenantId}>
            {t('xero.choose')}
          </Button>
        </div>
      </form>
    </Section>
  )
}

/* ---- Connected (or needing a reconnect) ---- */

function Reconnect({
  connection,
  onConnected,
}: {
  connection: XeroConnection
  onConnected: (view: XeroConnection) => void
}) {
  const [error, setError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)
  const reconnect = async () => {
    setBusy(true)
    setError(null)
    try {
      // The client id stays with an OAuth connection; drafting stays as Xero last allowed it.
      await signInWithXero({ writes: connection.scopes.includes(WRITE_SCOPE) })
    } catch (caught) {
      setError(errorMessage(caught))
      setBusy(false)
    }
  }
  return (
    <section class="card xero-reconnect" aria-labelledby="xero-reconnect-title">
      <h2 class="xero-reconnect-title" id="xero-reconnect-title">
        <Icon name="alert" size={22} />
        {t('xero.reconnectTitle')}
      </h2>
      {connection.kind === 'oauth' ? (
        <>
          <p>{t('xero.reconnectOauth')}</p>
          <FormError message={error} />
          <div class="form-actions">
            <Button variant="danger" icon="refresh" isBusy={isBusy} onClick={() => void reconnect()}>
              {t('xero.reconnect')}
            </Button>
          </div>
        </>
      ) : (
        <>
          <p>{t('xero.reconnectCustom')}</p>
          <CustomForm
            submitLabel={t('xero.reconnect')}
            onConnected={(view) => {
              connectedToast(view)
              onConnected(view)
            }}
          />
        </>
      )}
    </section>
  )
}

function scopeLabel(scope: string): string {
  const key = `xero.scope.${scope}`
  return hasMessage(key) ? t(key) : scope
}

function ConnectionFacts({
  connection,
  onDisconnected,
}: {
  connection: XeroConnection
  onDisconnected: (view: XeroConnection) => void
}) {
  const calls = connection.callsLeftToday
  return (
    <Section title={t('xero.connectionTitle')} id="xero-connection">
      <div class="xero-org">
        <span class="xero-org-icon">
          <Icon name="link" size={22} />
        </span>
        <span class="xero-org-names">
          <strong class="xero-org-name">{connection.organisation?.name}</strong>
          <span class="muted">{connection.kind ? t(`xero.kind.${connection.kind}`) : null}</span>
        </span>
        <span class={`badge badge-${connection.state === 'connected' ? 'ok' : 'failing'}`}>
          {connection.state === 'connected' ? t('xero.connectedTitle') : t('xero.reconnectTitle')}
        </span>
      </div>
      <dl class="facts xero-facts">
        <div>
          <dt>{t('xero.callsLeft')}</dt>
          <dd>{calls === null ? t('xero.callsLeftUnknown') : calls.toLocaleString(locale)}</dd>
        </div>
        <div>
          <dt>{t('xero.scopes')}</dt>
          <dd>
            {connection.scopes.length ? (
              <ul class="xero-scopes">
                {connection.scopes.map((scope) => (
                  <li key={scope}>
                    {scopeLabel(scope)}
                    {scope === 'offline_access' ? null : (
                      <span class={WRITE_SCOPES.includes(scope) ? 'badge badge-owner' : 'badge'}>
                        {WRITE_SCOPES.includes(scope) ? t('xero.scopeWrite') : t('xero.scopeRead')}
                      </span>
                    )}
                  </li>
                ))}
              </ul>
            ) : (
              t('xero.noScopes')
            )}
          </dd>
        </div>
      </dl>
      <div class="form-actions">
        <DisconnectButton onDisconnected={onDisconnected} />
      </div>
    </Section>
  )
}

function DisconnectButton({ onDisconnected }: { onDisconnected: (view: XeroConnection) => void }) {
  const [isBusy, setBusy] = useState(false)
  const disconnect = async () => {
    const ok = await confirm({
      title: t('xero.disconnectTitle'),
      body: t('xero.disconnectBody'),
      confirmLabel: t('xero.disconnect'),
      isDanger: true,
    })
    if (!ok) return
    setBusy(true)
    try {
      const view = await xeroApi.disconnect()
      toast(t('xero.disconnected'))
      onDisconnected(view)
    } catch (error) {
      toast(errorMessage(error), 'error')
      setBusy(false)
    }
  }
  return (
    <Button icon="x" isBusy={isBusy} onClick={() => void disconnect()}>
      {t('xero.disconnect')}
    </Button>
  )
}

/* ---- Settings ---- */

const HOURS = Array.from({ length: 24 }, (_, hour) => hour)

/** "07:00" or "7:00 AM" as the reader's locale writes an hour of the day. */
function hourLabel(hour: number): string {
  return new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' }).format(
    Date.UTC(2026, 0, 1, hour),
  )
}

function SettingsSection({ connection }: { connection: XeroConnection }) {
  const [saved, setSaved] = useState<XeroSettings | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const load = () =>
    xeroApi.settings().then(
      (settings) => {
        setSaved(settings)
        setLoadError(null)
      },
      (error: unknown) => setLoadError(errorMessage(error)),
    )
  useEffect(() => {
    void load()
  }, [])
  return (
    <Section title={t('xero.settingsTitle')} id="xero-settings">
      {loadError ? <LoadError message={loadError} onRetry={() => void load()} /> : null}
      {!saved && !loadError ? <Loading label={t('common.loading')} /> : null}
      {saved ? <SettingsForm saved={saved} onSaved={setSaved} connection={connection} /> : null}
    </Section>
  )
}

function SettingsForm({
  saved,
  onSaved,
  connection,
}: {
  saved: XeroSettings
  onSaved: (next: XeroSettings) => void
  connection: XeroConnection
}) {
  const [alerts, setAlerts] = useState(saved.alertsConversationId === null ? '' : String(saved.alertsConversationId))
  const [digest, setDigest] = useState(saved.digestHour === null ? '' : String(saved.digestHour))
  const [customerBalance, setCustomerBalance] = useState(saved.customerBalance)
  const [writes, setWrites] = useState(saved.writes)
  const [error, setError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)
  // Alerts go to the board or a channel the owner is in; archived channels take no posts.
  const places = (conversations.value ?? []).filter(
    (item) => item.kind === 'board' || (item.kind === 'channel' && !item.isArchived),
  )
  const isWriteGranted = connection.scopes.includes(WRITE_SCOPE)

  const save = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const next = await xeroApi.updateSettings({
        alertsConversationId: alerts ? Number(alerts) : null,
        digestHour: digest ? Number(digest) : null,
        customerBalance,
        writes,
      })
      onSaved(next)
      toast(t('xero.saved'))
    } catch (caught) {
      setError(errorMessage(caught))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form class="form" onSubmit={save}>
      <SelectField
        label={t('xero.alerts')}
        hint={t('xero.alertsHint')}
        value={alerts}
        onValue={setAlerts}
        name="xero-alerts"
        options={[
          { value: '', label: t('xero.alertsOff') },
          ...places.map((item) => ({
            value: String(item.id),
            label: item.kind === 'board' ? t('chat.boardName') : `#${item.name}`,
          })),
        ]}
      />
      <SelectField
        label={t('xero.digest')}
        hint={t('xero.digestHint')}
        value={digest}
        onValue={setDigest}
        name="xero-digest"
        options={[
          { value: '', label: t('xero.digestOff') },
          ...HOURS.map((hour) => ({ value: String(hour), label: hourLabel(hour) })),
        ]}
      />
      <CheckField
        label={t('xero.customerBalance')}
        hint={t('xero.customerBalanceHint')}
        checked={customerBalance}
        onChecked={setCustomerBalance}
        isSwitch
        name="xero-customer-balance"
      />
      <CheckField
        label={t('xero.writes')}
        hint={t('xero.writesHint')}
        checked={writes}
        onChecked={setWrites}
        isSwitch
        name="xero-writes"
      />
      {writes && !isWriteGranted ? <WritesNotGranted connection={connection} /> : null}
      <FormError message={error} />
      <div class="form-actions">
        <Button type="submit" variant="primary" isBusy={isBusy}>
          {t('common.saveChanges')}
        </Button>
      </div>
    </form>
  )
}

/** Drafting is on in Backboard but Xero never allowed it: how to get Xero's permission. */
function WritesNotGranted({ connection }: { connection: XeroConnection }) {
  const [isBusy, setBusy] = useState(false)
  const signIn = async () => {
    setBusy(true)
    try {
      await signInWithXero({ writes: true })
    } catch (error) {
      toast(errorMessage(error), 'error')
      setBusy(false)
    }
  }
  return (
    <div class="notice notice-warning xero-writes-missing">
      <span>
        {t('xero.writesNotGranted')} {connection.kind === 'custom' ? t('xero.writesCustomHint') : null}
      </span>
      {connection.kind === 'oauth' ? (
        <Button isSmall icon="external" isBusy={isBusy} onClick={() => void signIn()}>
          {t('xero.writesOauthAction')}
        </Button>
      ) : null}
    </div>
  )
}
