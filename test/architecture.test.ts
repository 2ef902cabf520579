/**
 * What each part may import (docs/architecture.md): the ground floor (shared/, db/) names no
 * feature, and the hosts that kinds plug into (conversations/, telegram/) name no kind. A
 * string scan of the import statements, so a new dependency the wrong way fails here by name.
 */
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'

const SERVER = path.resolve(import.meta.dirname, '../server')
const FEATURES = fs
  .readdirSync(SERVER, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== 'shared' && entry.name !== 'db')
  .map((entry) => entry.name)
/** Features that add a kind of message (and its Telegram behaviour) through the registries. */
const KINDS = ['notices', 'tasks', 'customers', 'xero']

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(full)
    return /\.tsx?$/.test(entry.name) ? [full] : []
  })
}

/** Every `from '…'`, `import '…'` and `import('…')` specifier of a file, resolved to a server folder. */
function importedFolders(file: string): { specifier: string; folder: string | null }[] {
  const text = fs.readFileSync(file, 'utf8')
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)].map((m) => m[1] as string)
  return specifiers
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => {
      const target = path.relative(SERVER, path.resolve(path.dirname(file), specifier))
      const folder = target.startsWith('..') || !target.includes(path.sep) ? null : (target.split(path.sep)[0] ?? null)
      return { specifier, folder }
    })
}

function offences(folders: string[], forbidden: readonly string[]): string[] {
  return folders.flatMap((folder) =>
    sourceFiles(path.join(SERVER, folder)).flatMap((file) =>
      importedFolders(file)
        .filter(({ folder: target }) => target !== null && target !== folder && forbidden.includes(target))
        .map(({ specifier }) => `${path.relative(SERVER, file)} imports ${specifier}`),
    ),
  )
}

t.test('the scan sees the imports it is meant to judge', async (t) => {
  t.ok(FEATURES.includes('conversations') && FEATURES.includes('realtime'), 'feature folders found')
  const folders = importedFolders(path.join(SERVER, 'notices/kind.ts')).map((i) => i.folder)
  t.ok(folders.includes('conversations') && folders.includes('shared'), 'a known file’s imports are read')
})

t.test('server/shared and server/db import no feature folder', async (t) => {
  t.same(offences(['shared', 'db'], FEATURES), [])
})

t.test('conversations import no kind: kinds register themselves', async (t) => {
  t.same(offences(['conversations'], KINDS), [])
})

t.test('the Telegram bridge imports no kind: kinds register their behaviours', async (t) => {
  t.same(offences(['telegram'], KINDS), [])
})
