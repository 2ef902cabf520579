/** The voice recorder shared by chat and the notice form: tap to start and stop, or hold and release. */
import { useEffect, useRef, useState } from 'preact/hooks'
import { t } from '../../lib/i18n'
import { Icon } from '../../ui/icons'
import { toast } from '../../ui/toast'
import { formatDuration } from './media'

const AUDIO_TYPES = ['audio/webm;codecs=opus', 'audio/webm', 'audio/mp4', 'audio/ogg;codecs=opus']
const HOLD_MS = 600

/** Records a voice note with MediaRecorder; tap to start and stop, or hold and release. */
export function useVoiceRecorder(onDone: (blob: Blob, durationMs: number) => void) {
  const [startedAt, setStartedAt] = useState<number | null>(null)
  const [now, setNow] = useState(Date.now())
  const recorder = useRef<MediaRecorder | null>(null)
  const isCancelled = useRef(false)
  const latestDone = useRef(onDone)
  latestDone.current = onDone

  useEffect(() => {
    if (startedAt === null) return
    const timer = setInterval(() => setNow(Date.now()), 250)
    return () => clearInterval(timer)
  }, [startedAt])
  useEffect(
    () => () => {
      isCancelled.current = true
      recorder.current?.stop()
    },
    [],
  )

  const start = async () => {
    if (recorder.current) return
    if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === 'undefined') {
      toast(t('chat.voiceNeedsHttps'), 'error')
      return
    }
    let stream: MediaStream
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true })
    } catch {
      toast(t('chat.micDenied'), 'error')
      return
    }
    const mimeType = AUDIO_TYPES.find((type) => MediaRecorder.isTypeSupported(type))
    const media = new MediaRecorder(stream, mimeType ? { mimeType } : undefined)
    const chunks: Blob[] = []
    const began = Date.now()
    media.ondataavailable = (event) => {
      if (event.data.size) chunks.push(event.data)
    }
    media.onstop = () => {
      for (const track of stream.getTracks()) track.stop()
      recorder.current = null
      setStartedAt(null)
      if (isCancelled.current || chunks.length === 0) return
      const duration = Date.now() - began
      if (duration < 500) return
      latestDone.current(new Blob(chunks, { type: media.mimeType || mimeType || 'audio/webm' }), duration)
    }
    isCancelled.current = false
    recorder.current = media
    media.start(1000)
    setStartedAt(began)
    setNow(began)
  }

  const stop = () => recorder.current?.stop()
  const cancel = () => {
    isCancelled.current = true
    recorder.current?.stop()
  }
  return { isRecording: startedAt !== null, elapsed: startedAt === null ? 0 : now - startedAt, start, stop, cancel }
}

export type VoiceRecorder = ReturnType<typeof useVoiceRecorder>

/** The mic button: a tap starts (tap Stop to finish); holding it records until release. */
export function MicButton({ recorder, isDisabled }: { recorder: VoiceRecorder; isDisabled?: boolean }) {
  const downAt = useRef<number | null>(null)
  return (
    <button
      type="button"
      class="icon-button composer-icon composer-mic"
      aria-label={t('chat.recordVoice')}
      disabled={isDisabled}
      onPointerDown={(event) => {
        if (event.button !== 0) return
        downAt.current = Date.now()
        void recorder.start()
      }}
      onPointerUp={() => {
        if (downAt.current !== null && Date.now() - downAt.current > HOLD_MS) recorder.stop()
      }}
      onClick={() => {
        // A click without a pointer press first came from the keyboard.
        if (downAt.current === null) void recorder.start()
        downAt.current = null
      }}
    >
      <Icon name="mic" size={22} />
    </button>
  )
}

/** Shown instead of the text box while recording. */
export function RecordingBar({ recorder }: { recorder: VoiceRecorder }) {
  return (
    <div class="recording" role="status">
      <span class="recording-dot" aria-hidden="true" />
      <span class="recording-time">{t('chat.recording', { time: formatDuration(recorder.elapsed) })}</span>
      <button type="button" class="button button-ghost button-small" onClick={recorder.cancel}>
        {t('common.cancel')}
      </button>
      <button type="button" class="button button-primary button-small" onClick={recorder.stop}>
        <Icon name="stop" size={18} />
        <span>{t('chat.stopRecording')}</span>
      </button>
    </div>
  )
}
