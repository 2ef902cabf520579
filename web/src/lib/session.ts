/**
 * Who is signed in and what the app shows at the top level. Boot asks the server whether
 * setup is needed, then who we are; the live socket runs while someone is signed in.
 */
import { computed, signal } from '@preact/signals'
import type { Permission } from '../../../server/auth/permissions'
import { api, ApiError, setSessionLostHandler, type Me } from './api'
import { shopTimezone } from './format'
import { t } from './i18n'
import { publishLive, publishTyping } from './live'
import { isShowingCached, keepFirstVisitForOffline, keepSessionForOffline } from './offline'
import { navigate } from './router'
import { LiveSocket, type LiveEvent, type SocketStatus } from './socket'

export type Phase = 'loading' | 'unreachable' | 'setup' | 'signed-out' | 'pending' | 'rejected' | 'active'

export const phase = signal<Phase>('loading')
export const me = signal<Me | null>(null)
/** Shown on the sign-in page after the server signed us out. */
export const signedOutNotice = signal<string | null>(null)
export const socketStatus = signal<SocketStatus>('closed')

export const permissions = computed(() => new Set<string>(me.value?.member.permissions ?? []))
export const isOwner = computed(() => me.value?.member.role === 'owner')

export function can(permission: Permission): boolean {
  return permissions.value.has(permission)
}

let socket: LiveSocket | null = null

function startSocket(): void {
  if (socket) return
  socket = new LiveSocket({
    onEvent: handleEvent,
    onResync: () => {
      void refreshMe()
      publishLive(null)
    },
    onCaughtUp: (isFirst) => {
      // Shown from the cache: nothing since those copies was replayed, so everything reloads.
      if (isShowingCached.value) {
        isShowingCached.value = false
        void refreshMe()
        publishLive(null)
        return
      }
      // Anything that happened between loading the page and connecting was not replayed.
      if (isFirst && phase.value === 'pending') void refreshMe()
    },
    // The server says why: a deactivated member is told so, not left to guess.
    onSignedOut: (reason) =>
      endSession(reason === 'deactivated' ? t('auth.signedOutDeactivated') : t('auth.signedOutByServer')),
    onConnectFailed: () => {
      // A refused upgrade looks like a network error; ask the API whether we are still in.
      void api.me().catch(() => undefined)
    },
    onTyping: publishTyping,
    onStatus: (status) => {
      socketStatus.value = status
      // For tests and styling: whether live updates are flowing.
      document.documentElement.dataset.live = status
    },
  })
  socket.start()
}

/** Sends a typing signal for a conversation over the live socket, if it is up. */
export function sendTyping(conversationId: number): boolean {
  return socket?.sendTyping(conversationId) ?? false
}

function stopSocket(): void {
  socket?.stop()
  socket = null
}

function handleEvent(event: LiveEvent): void {
  const current = me.value
  if (current) {
    switch (event.type) {
      case 'member.approved':
        if (event.data.member.id === current.member.id) void refreshMe()
        break
      case 'member.rejected':
        if (event.data.memberId === current.member.id && current.member.status === 'pending') {
          stopSocket()
          phase.value = 'rejected'
        }
        break
      case 'member.updated':
        if (event.data.member.id === current.member.id) void refreshMe()
        break
      case 'shop.updated':
        me.value = { ...current, shop: { ...current.shop, name: event.data.name, timezone: event.data.timezone } }
        shopTimezone.value = event.data.timezone
        break
    }
  }
  publishLive(event)
}

/** Takes a fresh /api/me answer as the truth about who we are. */
export function applyMe(next: Me): void {
  const wasSignedOut = phase.value === 'signed-out' || phase.value === 'setup'
  me.value = next
  shopTimezone.value = next.shop.timezone
  signedOutNotice.value = null
  phase.value = next.member.status === 'active' ? 'active' : next.member.status === 'pending' ? 'pending' : 'signed-out'
  if (phase.value === 'active' || phase.value === 'pending') startSocket()
  else stopSocket()
  if (wasSignedOut && phase.value === 'active') keepSessionForOffline()
}

export async function refreshMe(): Promise<void> {
  try {
    applyMe(await api.me())
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) endSession(t('auth.signedOutByServer'))
  }
}

/** Forgets the signed-in member; the sign-in page shows `notice` if given. */
export function endSession(notice: string | null): void {
  if (phase.value === 'rejected') return
  stopSocket()
  // What the service worker kept for offline use belongs to the member who just left.
  if (typeof caches !== 'undefined') void caches.delete('backboard-data-v1').catch(() => undefined)
  // Signed out by the server (not through signOut, which already asked): the sign-out answer
  // tells the browser to drop its copies of private files, even without a session.
  if (notice !== null) void fetch('/api/auth/logout', { method: 'POST' }).catch(() => undefined)
  me.value = null
  isShowingCached.value = false
  signedOutNotice.value = notice
  phase.value = 'signed-out'
}

export async function signOut(): Promise<void> {
  // Close the socket first so the server's "signed out" frame is not taken as news.
  stopSocket()
  try {
    await api.logout()
  } catch {
    // Already signed out on the server: nothing to undo.
  }
  // Whoever signs in next starts at home, not on this member's last page.
  navigate('/', { replace: true })
  endSession(null)
}

export async function boot(): Promise<void> {
  setSessionLostHandler(() => {
    if (me.value) endSession(t('auth.signedOutByServer'))
  })
  keepFirstVisitForOffline()
  phase.value = 'loading'
  try {
    const status = await api.setupStatus()
    if (status.isSetupRequired) {
      phase.value = 'setup'
      return
    }
    // Signed out: straight to the sign-in page, without a 401 in the console.
    if (status.hasSession === false) {
      phase.value = 'signed-out'
      return
    }
    applyMe(await api.me())
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) phase.value = 'signed-out'
    else if (error instanceof ApiError && error.code === 'setup_required') phase.value = 'setup'
    else phase.value = 'unreachable'
  }
}

/** Leaves the "request not approved" page for the sign-in page. */
export function leaveRejected(): void {
  stopSocket()
  me.value = null
  signedOutNotice.value = null
  phase.value = 'signed-out'
}
