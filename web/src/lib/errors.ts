/** Turning API errors into something to show, on the right field where we can. */
import { ApiError } from './api'
import { t } from './i18n'

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 429) return t('error.rateLimited')
    return error.message
  }
  return t('error.unexpected')
}

/** Server error codes that belong to one form field. */
const FIELD_OF_CODE: Record<string, string> = {
  invalid_username: 'username',
  username_taken: 'username',
  username_reserved: 'username',
  password_too_short: 'password',
  password_too_common: 'password',
  password_too_long: 'password',
  invalid_display_name: 'displayName',
  invalid_timezone: 'timezone',
  invalid_name: 'name',
  invalid_phone: 'phone',
  wrong_password: 'currentPassword',
}

export interface FormErrors {
  form: string | null
  fields: Record<string, string>
}

export const noErrors: FormErrors = { form: null, fields: {} }

/** Places an error on its field when the form has that field, else on the form. */
export function formErrors(
  error: unknown,
  fieldNames: readonly string[],
  rename: Record<string, string> = {},
): FormErrors {
  if (error instanceof ApiError) {
    const base = FIELD_OF_CODE[error.code]
    const field = base ? (rename[base] ?? base) : undefined
    if (field && fieldNames.includes(field)) return { form: null, fields: { [field]: error.message } }
  }
  return { form: errorMessage(error), fields: {} }
}
