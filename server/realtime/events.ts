/**
 * The event and view types are the wire contract every part shares, so they live on the
 * ground floor (shared/events.ts); this re-export keeps the realtime feature's own name for
 * them, which the web app and the tests import.
 */
export * from '../shared/events'
