// Mutation check: does the suite notice when a rule it claims to guard is taken out?
// Each mutation below removes one rule from a scratch copy of the committed tree (git HEAD),
// runs the tests that name that rule, and expects them to fail. Prints one line per mutation
// and exits non-zero if any mutation survived (the tests stayed green) or no longer applies.
//
//   npm run test:mutate               every mutation
//   npm run test:mutate -- push-own   only those whose name contains "push-own"
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')

/** `find` must occur exactly once in `file`; it is replaced by `replace`. */
const MUTATIONS = [
  {
    name: 'push-own-messages',
    rule: 'no push for your own messages',
    file: 'server/push/queue.ts',
    find: '(r) => r.memberId !== message.author?.id,',
    replace: '(r) => r.memberId !== -1,',
    tests: ['test/push/push.test.ts'],
  },
  {
    name: 'telegram-at-most-once',
    rule: 'a Telegram update is applied at most once',
    file: 'server/telegram/updates.ts',
    find: 'if (!bot || bot.update_offset > update.update_id) return false',
    replace: 'if (!bot) return false',
    tests: ['test/telegram/exactly-once.test.ts'],
  },
  {
    name: 'restore-integrity',
    rule: 'restore checks the backup with integrity_check first',
    file: 'server/backup/restore.ts',
    find: "(db.pragma('integrity_check') as { integrity_check: string }[])",
    replace: '([] as { integrity_check: string }[])',
    tests: ['test/backup/backup.test.ts'],
  },
  {
    name: 'route-permission',
    rule: "a route's permission is checked",
    file: 'server/auth/access.ts',
    find: 'if (config.permission && !permissions.includes(config.permission)) throw forbidden()',
    replace: '',
    tests: ['test/http/sweep.test.ts'],
  },
  {
    name: 'client-key-idempotency',
    rule: 'a message sent twice with the same clientKey is stored once',
    file: 'server/conversations/messages-service.ts',
    find: 'const existing = await',
    replace: 'const existing = null && await',
    tests: ['test/conversations/messages.test.ts'],
  },
  {
    name: 'edit-author-only',
    rule: 'only the author edits a message (a manager may not rewrite it)',
    file: 'server/conversations/messages-service.ts',
    find: '    assertAuthor(actor, message)\n',
    replace: '',
    tests: ['test/security/edits.test.ts'],
  },
  {
    name: 'replay-readable',
    rule: 'a replayed clientKey shows the message only to someone who may still read it',
    file: 'server/conversations/messages-service.ts',
    find: '      await requireReadable(w.trx, actor, conversationId)\n      const [view] = await hydrateMessages',
    replace: '      const [view] = await hydrateMessages',
    tests: ['test/security/replay.test.ts'],
  },
  {
    name: 'telegram-button-presser',
    rule: 'a Telegram button acts only for the member it was sent to',
    file: 'server/telegram/updates.ts',
    find: 'link.member_id !== action.member_id || ',
    replace: '',
    tests: ['test/telegram/bridge.test.ts'],
  },
  {
    name: 'outbox-retry-after',
    rule: 'a retry waits as long as the remote asked',
    file: 'server/outbox/service.ts',
    find: 'Math.max(result.afterMs ?? 0, jittered)',
    replace: 'jittered',
    tests: ['test/outbox/outbox.test.ts'],
  },
  {
    name: 'token-scrub',
    rule: 'the bot token is taken out of errors before they are logged or shown',
    file: 'server/telegram/client.ts',
    find: "return text.replace(/\\d{5,20}:[A-Za-z0-9_-]{30,100}/g, '<token>')",
    replace: 'return text',
    tests: ['test/security/logs.test.ts'],
  },
  {
    name: 'task-claim-conditional',
    rule: 'a task is claimed only while it is still open',
    file: 'server/tasks/repo.ts',
    find: "    .where('state', '=', 'open')",
    replace: '',
    tests: ['test/tasks/concurrency.test.ts'],
  },
  {
    name: 'task-private-strip',
    rule: "a task's private details are left out for everyone else",
    file: 'server/tasks/kind.ts',
    find: 'return { ...task, privateDetails: null, revealedTo: [] }',
    replace: 'return task',
    tests: ['test/tasks/privacy.test.ts'],
  },
  {
    name: 'task-score-cap',
    rule: 'a member with a value cap never gets a job worth more',
    file: 'server/tasks/rules.ts',
    find: 'if (member.scoreCap !== null && task.value !== null && task.value > member.scoreCap) {',
    replace: 'if (false) {',
    tests: ['test/tasks/eligibility.test.ts'],
  },
  {
    name: 'customer-internal-note',
    rule: 'an internal note never reaches the customer',
    file: 'server/customers/telegram.ts',
    find: "if (view.customer?.direction !== 'out' || view.customer.isInternal || view.customer.delivery !== 'queued') return",
    replace: "if (view.customer?.direction !== 'out') return",
    tests: ['test/customers/loop.test.ts'],
  },
  {
    name: 'customer-blocked-silent',
    rule: 'nothing from a blocked customer is stored, and the bot stays silent',
    file: 'server/customers/telegram.ts',
    find: 'if (existing?.blocked_at) return { step: async () => undefined }',
    replace: '',
    tests: ['test/customers/rules.test.ts'],
  },
  {
    name: 'customer-job-permission',
    rule: 'a job that needs a permission goes only to members who have it',
    file: 'server/tasks/rules.ts',
    find: 'if (task.requiredPermission && !member.permissions.includes(task.requiredPermission)) {',
    replace: 'if (false) {',
    tests: ['test/customers/work.test.ts'],
  },
  {
    name: 'xero-shared-redaction',
    rule: 'a shared Xero card hides emails, phone numbers and bank details unless the sharer includes them',
    file: 'server/xero/assistant.ts',
    find: 'const snapshot = includePersonal ? body : redact(body)',
    replace: 'const snapshot = body',
    tests: ['test/xero/cards.test.ts'],
  },
  {
    name: 'xero-refresh-permission',
    rule: 'only members who may read Xero refresh a shared card',
    file: 'server/xero/assistant.ts',
    find: "await this.requireRead(actor, 'refresh')",
    replace: '',
    tests: ['test/xero/cards.test.ts'],
  },
  {
    name: 'group-commit-savepoint',
    rule: 'a failing write in a committed group takes its own changes with it',
    file: 'server/shared/write.ts',
    find: 'await sql`rollback to ${name}`.execute(trx)',
    replace: '',
    tests: ['test/db/group-commit.test.ts'],
  },
]

const only = process.argv.slice(2).filter((arg) => !arg.startsWith('-'))
const selected = MUTATIONS.filter((m) => only.length === 0 || only.some((name) => m.name.includes(name)))
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-mutate-'))
const shared = path.join(root, '..', 'shared')
process.on('exit', () => fs.rmSync(scratch, { recursive: true, force: true }))

// The committed tree, with this checkout's installed packages and built web app.
const work = path.join(scratch, 'main')
fs.mkdirSync(work)
execFileSync('sh', ['-c', `git -C "${root}" archive HEAD | tar -x -C "${work}"`])
fs.symlinkSync(path.join(root, 'node_modules'), path.join(work, 'node_modules'))
if (fs.existsSync(path.join(root, 'dist'))) fs.symlinkSync(path.join(root, 'dist'), path.join(work, 'dist'))
if (fs.existsSync(shared)) fs.symlinkSync(shared, path.join(scratch, 'shared'))

let survived = 0
for (const mutation of selected) {
  const file = path.join(work, mutation.file)
  const original = fs.readFileSync(file, 'utf8')
  const count = original.split(mutation.find).length - 1
  if (count !== 1) {
    survived++
    console.log(
      `✗ ${mutation.name}: the code to mutate was found ${count} times in ${mutation.file}; update scripts/mutate.mjs`,
    )
    continue
  }
  fs.writeFileSync(file, original.replace(mutation.find, mutation.replace))
  const started = Date.now()
  const run = spawnSync('npx', ['tap', '--disable-coverage', '--reporter=silent', ...mutation.tests], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, CI: '' },
    timeout: 600_000,
  })
  fs.writeFileSync(file, original)
  const seconds = Math.round((Date.now() - started) / 1000)
  if (run.status === 0) {
    survived++
    console.log(
      `✗ ${mutation.name}: ${mutation.rule} — removed, and ${mutation.tests.join(' ')} still passed (${seconds} s)`,
    )
  } else {
    console.log(`✓ ${mutation.name}: ${mutation.rule} — removed, and ${mutation.tests.join(' ')} failed (${seconds} s)`)
  }
}
console.log(`${selected.length - survived} of ${selected.length} mutations caught`)
process.exit(survived > 0 ? 1 : 0)
