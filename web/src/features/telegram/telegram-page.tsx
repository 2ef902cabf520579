/**
 * /telegram — the owner connects the shop's bot (token from @BotFather) and sees whether it
 * works; managers link Telegram groups to channels and unlink them. Group links arrive live
 * (telegram.group_changed) once someone adds the bot to a group or sends the /link command.
 */
import { useEffect, useState } from 'preact/hooks'
import { t } from '../../lib/i18n'
import { can } from '../../lib/session'
import { Page } from '../../ui/page'
import { telegramApi, type MyTelegram } from './telegram-api'
import './telegram.css'
import { BotSection } from './bot-section'
import { GroupsSection } from './groups-section'

export function TelegramPage() {
  const [mine, setMine] = useState<MyTelegram | null>(null)
  const loadMine = () =>
    telegramApi
      .me()
      .then(setMine)
      .catch(() => undefined)
  useEffect(() => {
    void loadMine()
  }, [])
  return (
    <Page title={t('telegram.title')} subtitle={t('telegram.subtitle')}>
      {can('settings.manage') ? <BotSection onChanged={() => void loadMine()} /> : null}
      {can('members.manage') ? <GroupsSection mine={mine} /> : null}
    </Page>
  )
}
