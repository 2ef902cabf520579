/**
 * What a new screen shows until a manager pairs it: a large code and its QR code. The
 * screen polls every 2 s with its secret poll token; an expired code is replaced by a new
 * one by itself, and a lost connection only slows the polling down.
 */
import { useEffect, useState } from 'preact/hooks'
import { ApiError } from '../../lib/api'
import { wallApi, type PairingStart } from '../../lib/api-wall'
import { t } from '../../lib/i18n'
import { QrImage } from '../../ui/qr-image'

const POLL_MS = 2_000
const RETRY_MS = [2_000, 5_000, 10_000, 30_000] as const

/** "K7PQ2M" as "K7P Q2M": two short groups are easier to read out and type. */
export function groupCode(code: string): string {
  return code.length > 4
    ? `${code.slice(0, Math.ceil(code.length / 2))} ${code.slice(Math.ceil(code.length / 2))}`
    : code
}

export function PairingScreen({ onPaired }: { onPaired: () => void }) {
  const [pairing, setPairing] = useState<PairingStart | null>(null)
  const [isUnreachable, setUnreachable] = useState(false)

  useEffect(() => {
    let isStopped = false
    let timer: ReturnType<typeof setTimeout> | null = null
    let failures = 0
    let current: PairingStart | null = null

    const later = (step: () => Promise<void>, delay: number) => {
      if (timer) clearTimeout(timer)
      timer = setTimeout(() => {
        timer = null
        void step()
      }, delay)
    }
    const failed = (error: unknown, step: () => Promise<void>) => {
      const delay = RETRY_MS[Math.min(failures, RETRY_MS.length - 1)] ?? 30_000
      failures++
      if (error instanceof ApiError && (error.status === 0 || error.status >= 500)) setUnreachable(true)
      const wait = error instanceof ApiError && error.status === 429 ? Math.max(delay, 10_000) : delay
      later(step, wait)
    }

    const start = async (): Promise<void> => {
      try {
        const next = await wallApi.startPairing()
        if (isStopped) return
        failures = 0
        current = next
        setPairing(next)
        setUnreachable(false)
        later(poll, POLL_MS)
      } catch (error) {
        if (!isStopped) failed(error, start)
      }
    }

    const poll = async (): Promise<void> => {
      if (!current) return start()
      try {
        const answer = await wallApi.pollPairing(current.pollToken)
        if (isStopped) return
        failures = 0
        setUnreachable(false)
        if (answer.status === 'paired') {
          isStopped = true
          onPaired()
          return
        }
        later(poll, POLL_MS)
      } catch (error) {
        if (isStopped) return
        if (error instanceof ApiError && error.status === 410) {
          // The code expired (or was used up): show a fresh one.
          current = null
          setPairing(null)
          return start()
        }
        failed(error, poll)
      }
    }

    void start()
    return () => {
      isStopped = true
      if (timer) clearTimeout(timer)
    }
    // onPaired is fixed for the life of the screen.
  }, [])

  return (
    <div class="wall-pairing" data-testid="wall-pairing">
      <div class="wall-pairing-brand">
        <img src="/icons/icon.svg" alt="" class="wall-logo" />
        <span>{t('app.name')}</span>
      </div>
      <h1 class="wall-pairing-title">{t('wall.pairTitle')}</h1>
      {pairing ? (
        <div class="wall-pairing-body">
          <div class="wall-pairing-code-box">
            <p class="wall-pairing-label">{t('wall.pairCodeLabel')}</p>
            <p
              class="wall-pairing-code"
              data-testid="pairing-code"
              data-code={pairing.code}
              aria-label={t('wall.pairCodeSpoken', { code: pairing.code.split('').join(' ') })}
            >
              {groupCode(pairing.code)}
            </p>
            <p class="wall-pairing-steps">{t('wall.pairSteps')}</p>
          </div>
          <div class="wall-pairing-qr">
            <QrImage svg={pairing.qrSvg} alt={t('wall.pairQrAlt')} size={320} />
          </div>
        </div>
      ) : (
        <p class="wall-pairing-wait">{t('wall.pairLoading')}</p>
      )}
      {isUnreachable ? (
        <p class="wall-pairing-problem" role="status">
          {t('wall.pairUnreachable')}
        </p>
      ) : null}
    </div>
  )
}
