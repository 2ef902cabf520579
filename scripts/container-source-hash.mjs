// Prints a short hash of everything the Docker build reads (./Dockerfile, .dockerignore, the
// package files, tsconfig.json, server/, web/ and scripts/). scripts/container-ci.sh tags the
// image it builds backboard:src-<hash>, and test/container/ looks for the tag of the tree
// it runs in, so a test never passes or fails on an image built from other sources.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const entries = [
  'Dockerfile',
  '.dockerignore',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'server',
  'web',
  'scripts',
]

function* files(relative) {
  const full = path.join(root, relative)
  if (!fs.existsSync(full)) return
  if (fs.statSync(full).isDirectory()) {
    for (const name of fs.readdirSync(full).sort()) yield* files(path.join(relative, name))
  } else {
    yield relative
  }
}

const hash = crypto.createHash('sha256')
for (const entry of entries) {
  for (const file of files(entry))
    hash
      .update(`${file}\0`)
      .update(fs.readFileSync(path.join(root, file)))
      .update('\0')
}
console.log(hash.digest('hex').slice(0, 16))
