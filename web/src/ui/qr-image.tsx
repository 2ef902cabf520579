/** Renders the server's QR SVG as an image: never as HTML, so nothing in it can run. */
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
