/** Human words for roles, statuses and permissions. */
import type { Permission } from '../../../../server/auth/permissions'
import type { MemberStatus, Role } from '../../lib/api'
import { t } from '../../lib/i18n'

export function roleLabel(role: Role): string {
  switch (role) {
    case 'owner':
      return t('role.owner')
    case 'manager':
      return t('role.manager')
    case 'staff':
      return t('role.staff')
    case 'display':
      return t('role.display')
  }
}

export function statusLabel(status: MemberStatus): string {
  switch (status) {
    case 'pending':
      return t('status.pending')
    case 'active':
      return t('status.active')
    case 'deactivated':
      return t('status.deactivated')
  }
}

export function permissionText(permission: Permission): { label: string; hint: string } {
  switch (permission) {
    case 'members.manage':
      return { label: t('permission.membersManage'), hint: t('permission.membersManageHint') }
    case 'board.post':
      return { label: t('permission.boardPost'), hint: t('permission.boardPostHint') }
    case 'tasks.dispatch':
      return { label: t('permission.tasksDispatch'), hint: t('permission.tasksDispatchHint') }
    case 'xero.read':
      return { label: t('permission.xeroRead'), hint: t('permission.xeroReadHint') }
    case 'xero.write':
      return { label: t('permission.xeroWrite'), hint: t('permission.xeroWriteHint') }
    case 'settings.manage':
      return { label: t('permission.settingsManage'), hint: t('permission.settingsManageHint') }
    case 'customers.answer':
      return { label: t('permission.customersAnswer'), hint: t('permission.customersAnswerHint') }
  }
}
