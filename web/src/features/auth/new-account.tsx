/**
 * The fields that make a new account — name, username, password — with their state, the
 * username suggested from the name until edited, and the checks made before sending.
 * Used by first-run setup and by joining.
 */
import { useState } from 'preact/hooks'
import { t, type MessageKey } from '../../lib/i18n'
import { Field, PasswordField } from '../../ui/field'
import { passwordProblem, suggestUsername, usernameProblem } from './account-rules'

export interface NewAccount {
  displayName: string
  username: string
  password: string
  setDisplayName(value: string): void
  setUsername(value: string): void
  setPassword(value: string): void
  /** Field errors for what is missing or not acceptable (empty when all is well). */
  problems(): Record<string, string>
  /** What to send: the name trimmed. */
  values(): { displayName: string; username: string; password: string }
}

export function useNewAccount(): NewAccount {
  const [displayName, setName] = useState('')
  const [username, setUser] = useState('')
  const [isUsernameEdited, setUsernameEdited] = useState(false)
  const [password, setPassword] = useState('')
  return {
    displayName,
    username,
    password,
    setDisplayName: (value) => {
      setName(value)
      if (!isUsernameEdited) setUser(suggestUsername(value))
    },
    setUsername: (value) => {
      setUsernameEdited(true)
      setUser(value.trim())
    },
    setPassword,
    problems: () => {
      const fields: Record<string, string> = {}
      if (!displayName.trim()) fields.displayName = t('auth.displayNameRequired')
      const userProblem = usernameProblem(username)
      if (userProblem) fields.username = userProblem
      const passProblem = passwordProblem(password)
      if (passProblem) fields.password = passProblem
      return fields
    },
    values: () => ({ displayName: displayName.trim(), username, password }),
  }
}

export function NewAccountFields({
  account,
  errors,
  usernameHint,
}: {
  account: NewAccount
  errors: Record<string, string | undefined>
  usernameHint: MessageKey
}) {
  return (
    <>
      <Field
        label={t('auth.displayName')}
        value={account.displayName}
        onValue={account.setDisplayName}
        error={errors.displayName}
        hint={t('auth.displayNameHint')}
        autoComplete="name"
        maxLength={80}
        required
      />
      <Field
        label={t('auth.username')}
        value={account.username}
        onValue={account.setUsername}
        error={errors.username}
        hint={t(usernameHint)}
        autoComplete="username"
        autocapitalize="off"
        spellcheck={false}
        maxLength={32}
        required
      />
      <PasswordField
        label={t('auth.password')}
        value={account.password}
        onValue={account.setPassword}
        error={errors.password}
        hint={t('auth.passwordHint')}
        autoComplete="new-password"
        required
      />
    </>
  )
}
