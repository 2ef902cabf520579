/**
 * Some messages load with the part that shows them (customers), so the first load stays
 * small. A file that shows one of them must register them first, or a phone would show the
 * key itself: this names each file that forgets.
 */
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { enCustomers } from '../../web/src/lib/messages/en-customers'

const SRC = path.resolve(import.meta.dirname, '../../web/src')

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(full)
    return /\.tsx?$/.test(entry.name) ? [full] : []
  })
}

t.test('every file showing a customers message registers the customers messages', async (t) => {
  const keys = new Set(Object.keys(enCustomers))
  t.ok(keys.size > 50, 'the lazily loaded catalogue is read')
  const forgetful: string[] = []
  let users = 0
  for (const file of sourceFiles(SRC)) {
    if (file.includes(`${path.sep}messages${path.sep}`)) continue
    const text = fs.readFileSync(file, 'utf8')
    const used = [...text.matchAll(/\btn?\(\s*'([^']+)'/g)].map((m) => m[1] as string).filter((key) => keys.has(key))
    if (used.length === 0) continue
    users++
    if (!/import '(\.\.\/customers|\.)\/messages'/.test(text))
      forgetful.push(`${path.relative(SRC, file)} (${used[0]})`)
  }
  t.ok(users >= 10, `files that show customers messages are found (${users})`)
  t.same(forgetful, [], 'each of them imports customers/messages')
})

t.test('the messages every page loads do not include the customers catalogue', async (t) => {
  const { en } = await import('../../web/src/lib/messages/en')
  const both = Object.keys(enCustomers).filter((key) => key in en)
  t.same(both, [], 'no key is in both')
})
