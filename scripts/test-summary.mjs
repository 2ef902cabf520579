// Turns tap's closing summary ("# { total: 44, pass: 43, fail: 1, skip: 0 }") into one plain
// line, "43 passed, 1 failed, 0 skipped", for CI logs. Every skipped test is named first with
// its reason, so a skip is never silent (in CI only the container test may skip, and only
// where no container runtime exists).
import fs from 'node:fs'

const log = fs.readFileSync(process.argv[2] ?? 0, 'utf8')
const summaries = [...log.matchAll(/^#\s*\{([^}]*)\}\s*$/gm)]
const last = summaries.at(-1)?.[1]
if (!last) {
  console.log('0 passed, 1 failed')
  process.exit(1)
}
const skips = new Set(
  [...log.matchAll(/^\s*ok \d+ - (.*?) # SKIP\s*(.*)$/gm)].map(([, name, why]) => `${name.trim()}: ${why.trim()}`),
)
for (const skip of skips) console.log(`skipped ${skip}`)
const count = (name) => Number(new RegExp(`${name}:\\s*(\\d+)`).exec(last)?.[1] ?? 0)
const failed = count('fail')
console.log(`${count('pass')} passed, ${failed} failed, ${count('skip') + count('todo')} skipped`)
process.exit(failed > 0 ? 1 : 0)
