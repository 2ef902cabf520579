/**
 * Some messages load with the part that shows them (customers, Xero, the audit log), so the first
 * load stays small. A file that shows one of them must register them first, or a phone
 * would show the key itself: this names each file that forgets.
 */
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { enAudit } from '../../web/src/lib/messages/en-audit'
import { enCustomers } from '../../web/src/lib/messages/en-customers'
import { enXeroCards } from '../../web/src/lib/messages/en-xero-cards'
import { enXero } from '../../web/src/lib/messages/en-xero'

const SRC = path.resolve(import.meta.dirname, '../../web/src')

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(full)
    return /\.tsx?$/.test(entry.name) ? [full] : []
  })
}

/** Each lazily loaded catalogue, the module that registers it and how a file imports that module. */
const catalogues = [
  {
    name: 'audit log',
    messages: enAudit,
    registers: /import '(\.\.\/audit|\.)\/messages'/,
    module: 'audit/messages',
    minKeys: 60,
    minUsers: 1,
  },
  {
    name: 'customers',
    messages: enCustomers,
    registers: /import '(\.\.\/customers|\.)\/messages'/,
    module: 'customers/messages',
    minKeys: 50,
    minUsers: 10,
  },
  {
    name: 'Xero cards',
    messages: enXeroCards,
    registers: /import '(\.\.\/xero|\.)\/card-messages'/,
    module: 'xero/card-messages',
    minKeys: 40,
    minUsers: 5,
  },
  {
    name: 'Xero connection',
    messages: enXero,
    registers: /import '(\.\.\/xero|\.)\/messages'/,
    module: 'xero/messages',
    minKeys: 80,
    minUsers: 7,
  },
]

for (const catalogue of catalogues) {
  t.test(`every file showing a ${catalogue.name} message registers the ${catalogue.name} messages`, async (t) => {
    const keys = new Set(Object.keys(catalogue.messages))
    t.ok(keys.size > catalogue.minKeys, 'the lazily loaded catalogue is read')
    const forgetful: string[] = []
    let users = 0
    for (const file of sourceFiles(SRC)) {
      if (file.includes(`${path.sep}messages${path.sep}`)) continue
      const text = fs.readFileSync(file, 'utf8')
      const used = [...text.matchAll(/\btn?\(\s*'([^']+)'/g)].map((m) => m[1] as string).filter((key) => keys.has(key))
      if (used.length === 0) continue
      users++
      if (!catalogue.registers.test(text)) forgetful.push(`${path.relative(SRC, file)} (${used[0]})`)
    }
    t.ok(users >= catalogue.minUsers, `files that show ${catalogue.name} messages are found (${users})`)
    t.same(forgetful, [], `each of them imports ${catalogue.module}`)
  })

  t.test(`the messages every page loads do not include the ${catalogue.name} catalogue`, async (t) => {
    const { en } = await import('../../web/src/lib/messages/en')
    const both = Object.keys(catalogue.messages).filter((key) => key in en)
    t.same(both, [], 'no key is in both')
  })
}

t.test('no two lazily loaded catalogues share a key', async (t) => {
  const seen = new Map<string, string>()
  const shared: string[] = []
  for (const catalogue of catalogues) {
    for (const key of Object.keys(catalogue.messages)) {
      const other = seen.get(key)
      if (other) shared.push(`${key} (${other}, ${catalogue.name})`)
      seen.set(key, catalogue.name)
    }
  }
  t.same(shared, [], 'each key belongs to one catalogue')
})
