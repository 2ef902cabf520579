/** Time per password hash and verification with the production scrypt parameters. */
import { hashPassword, SCRYPT_PARAMS, verifyPassword } from '../server/auth/passwords'

const runs = Number(process.argv[2] ?? 10)
const hashStart = performance.now()
let hash = ''
for (let i = 0; i < runs; i++) hash = await hashPassword(`correct horse battery ${i}`)
const hashMs = (performance.now() - hashStart) / runs
const verifyStart = performance.now()
for (let i = 0; i < runs; i++) await verifyPassword(`wrong ${i}`, hash)
const verifyMs = (performance.now() - verifyStart) / runs
console.log(
  JSON.stringify({
    scrypt: SCRYPT_PARAMS,
    hash_ms: Math.round(hashMs * 10) / 10,
    verify_ms: Math.round(verifyMs * 10) / 10,
  }),
)
