/** Picking people: a search box over the shop's active members with a checkbox each. */
import { useEffect, useId, useState } from 'preact/hooks'
import { t } from '../../lib/i18n'
import { me } from '../../lib/session'
import { Avatar } from '../../ui/avatar'
import { Loading } from '../../ui/empty-state'
import { Icon } from '../../ui/icons'
import { activeMembers, ensureMembers } from './people'
import { PresenceDot } from './presence'

export function PeoplePicker({
  selected,
  onChange,
  exclude = [],
  max,
}: {
  selected: readonly number[]
  onChange: (ids: number[]) => void
  exclude?: readonly number[]
  max?: number
}) {
  const [filter, setFilter] = useState('')
  const searchId = useId()
  useEffect(ensureMembers, [])
  const myId = me.value?.member.id
  const list = activeMembers.value
  if (!list) return <Loading label={t('common.loading')} />
  const q = filter.trim().toLowerCase()
  const people = list.filter(
    (person) =>
      person.id !== myId &&
      !exclude.includes(person.id) &&
      (!q || person.displayName.toLowerCase().includes(q) || person.username.toLowerCase().includes(q)),
  )
  const toggle = (id: number, isOn: boolean) =>
    onChange(isOn ? [...selected.filter((other) => other !== id), id] : selected.filter((other) => other !== id))
  return (
    <div class="picker">
      <label class="search" for={searchId}>
        <span class="visually-hidden">{t('chat.findPeople')}</span>
        <Icon name="search" size={20} />
        <input
          id={searchId}
          class="input search-input"
          type="search"
          value={filter}
          placeholder={t('chat.findPeople')}
          onInput={(event) => setFilter(event.currentTarget.value)}
        />
      </label>
      {people.length === 0 ? <p class="muted picker-empty">{t('chat.nobodyFound')}</p> : null}
      <ul class="picker-list">
        {people.map((person) => {
          const isOn = selected.includes(person.id)
          const isFull = max !== undefined && selected.length >= max && !isOn
          return (
            <li key={person.id}>
              <label class={isOn ? 'picker-row picker-row-on' : 'picker-row'}>
                <input
                  type="checkbox"
                  checked={isOn}
                  disabled={isFull}
                  onChange={(event) => toggle(person.id, event.currentTarget.checked)}
                />
                <span class="avatar-with-dot">
                  <Avatar name={person.displayName} size="small" />
                  <PresenceDot memberId={person.id} />
                </span>
                <span class="picker-text">
                  <span class="picker-name">{person.displayName}</span>
                  <span class="picker-hint">
                    @{person.username}
                    {person.jobTitle ? ` · ${person.jobTitle}` : ''}
                  </span>
                </span>
              </label>
            </li>
          )
        })}
      </ul>
    </div>
  )
}
