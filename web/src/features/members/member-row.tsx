import type { MemberDetail } from '../../lib/api'
import { Avatar } from '../../ui/avatar'
import { Icon } from '../../ui/icons'
import { roleLabel, statusLabel } from './labels'

/** One member in a list: a link to their page when `href` is given. */
export function MemberRow({
  member,
  href,
  showStatus = true,
}: {
  member: MemberDetail
  href?: string
  showStatus?: boolean
}) {
  const body = (
    <>
      <Avatar name={member.displayName} />
      <span class="row-main">
        <span class="row-title">{member.displayName}</span>
        <span class="row-sub">
          {member.jobTitle ? `${member.jobTitle} · ` : ''}@{member.username}
        </span>
      </span>
      <span class="row-badges">
        {member.role !== 'staff' ? <span class={`badge badge-${member.role}`}>{roleLabel(member.role)}</span> : null}
        {showStatus && member.status !== 'active' ? (
          <span class={`badge badge-${member.status}`}>{statusLabel(member.status)}</span>
        ) : null}
      </span>
      {href ? <Icon name="chevronRight" size={20} class="row-chevron" /> : null}
    </>
  )
  return (
    <li class="row-item">
      {href ? (
        <a class="row row-link" href={href}>
          {body}
        </a>
      ) : (
        <div class="row">{body}</div>
      )}
    </li>
  )
}
