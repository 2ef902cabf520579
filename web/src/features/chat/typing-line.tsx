/** Who is typing in a conversation: each typing frame shows a name for five seconds. */
import { useEffect, useState } from 'preact/hooks'
import { t, tn } from '../../lib/i18n'
import { subscribeTyping } from '../../lib/live'
import { listNames } from './people'

const TYPING_TTL_MS = 5_000

type Typing = ReadonlyMap<number, number>

/** Member id to the time their "typing" runs out, for everyone but me; the setter lets a message end it. */
export function useTyping(id: number, myId: number) {
  const [typing, setTyping] = useState<Typing>(new Map())
  useEffect(
    () =>
      subscribeTyping((conversationId, memberId) => {
        if (conversationId !== id || memberId === myId) return
        setTyping((old) => new Map(old).set(memberId, Date.now() + TYPING_TTL_MS))
      }),
    [id],
  )
  useEffect(() => {
    if (typing.size === 0) return
    const next = Math.min(...typing.values())
    const timer = setTimeout(
      () =>
        setTyping((old) => {
          const now = Date.now()
          return new Map([...old].filter(([, until]) => until > now))
        }),
      Math.max(50, next - Date.now()),
    )
    return () => clearTimeout(timer)
  }, [typing])
  return [typing, setTyping] as const
}

export function TypingLine({ names }: { names: string[] }) {
  return (
    <div class="typing" aria-live="polite">
      {names.length ? (
        <>
          <span class="typing-dots" aria-hidden="true">
            <span />
            <span />
            <span />
          </span>
          {names.length > 3 ? t('chat.severalTyping') : tn('chat.typing', names.length, { names: listNames(names) })}
        </>
      ) : null}
    </div>
  )
}
