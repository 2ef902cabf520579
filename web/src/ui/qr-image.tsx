/** Renders a QR SVG as an image: never as HTML, so nothing in it can run. */
import { useEffect, useState } from 'preact/hooks'

interface QrImageProps {
  svg: string
  alt: string
  size?: number
}

export function QrImage({ svg, alt, size = 240 }: QrImageProps) {
  return (
    <img
      class="qr"
      src={'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg)}
      alt={alt}
      width={size}
      height={size}
    />
  )
}

/**
 * A QR code drawn in the browser, for addresses the server does not draw (a t.me link).
 * The encoder is loaded only when one is shown, to keep it out of the first load.
 */
export function QrCode({ text, alt, size = 240 }: { text: string; alt: string; size?: number }) {
  const [svg, setSvg] = useState<string | null>(null)
  useEffect(() => {
    let isCurrent = true
    setSvg(null)
    void import('qrcode')
      // The same look as the server's codes (server/auth/invites-service.ts).
      .then((QRCode) => QRCode.toString(text, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' }))
      .then((drawn) => {
        if (isCurrent) setSvg(drawn)
      })
      .catch(() => undefined)
    return () => {
      isCurrent = false
    }
  }, [text])
  if (!svg) return <span class="qr qr-placeholder" aria-hidden="true" />
  return <QrImage svg={svg} alt={alt} size={size} />
}
