import { Type } from 'typebox'
import { Body } from '../shared/schemas'
import { PERMISSIONS } from './permissions'

export const Username = Type.String({ minLength: 1, maxLength: 64 })
export const Password = Type.String({ minLength: 1, maxLength: 1024 })
export const DisplayName = Type.String({ minLength: 1, maxLength: 80 })

export const RoleSchema = Type.Union([
  Type.Literal('owner'),
  Type.Literal('manager'),
  Type.Literal('staff'),
  Type.Literal('display'),
])
export const StatusSchema = Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('deactivated')])
export const PermissionSchema = Type.Union(PERMISSIONS.map((p) => Type.Literal(p)))

export const MemberDetailSchema = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  displayName: Type.String(),
  role: RoleSchema,
  status: StatusSchema,
  jobTitle: Type.String(),
  phone: Type.String(),
  permissions: Type.Array(Type.String()),
  grantedPermissions: Type.Array(Type.String()),
  createdAt: Type.Number(),
  approvedAt: Type.Union([Type.Number(), Type.Null()]),
  deactivatedAt: Type.Union([Type.Number(), Type.Null()]),
})

export const ShopPublicSchema = Type.Object({ name: Type.String(), timezone: Type.String() })

export const MeResponse = Type.Object({
  member: MemberDetailSchema,
  /** With the upload limit, so a phone refuses a file that can never fit before sending it. */
  shop: Type.Object({ ...ShopPublicSchema.properties, maxFileMb: Type.Integer() }),
  sessionId: Type.Integer(),
})

export const SetupStatus = Type.Object({
  isSetupRequired: Type.Boolean(),
  /** Whether the request carries a session that is still valid. */
  hasSession: Type.Boolean(),
  version: Type.String(),
})

export const SetupBody = Body({
  shopName: Type.String({ minLength: 1, maxLength: 80 }),
  timezone: Type.String({ minLength: 1, maxLength: 64 }),
  displayName: DisplayName,
  username: Username,
  password: Password,
})

export const LoginBody = Body({ username: Username, password: Password })

export const PasswordBody = Body({ currentPassword: Password, newPassword: Password })

export const ProfileBody = Body({
  displayName: Type.Optional(DisplayName),
  jobTitle: Type.Optional(Type.String({ maxLength: 80 })),
  phone: Type.Optional(Type.String({ maxLength: 32 })),
})

export const AccessBody = Body({
  role: Type.Optional(RoleSchema),
  permissions: Type.Optional(Type.Array(PermissionSchema, { maxItems: PERMISSIONS.length, uniqueItems: true })),
})

export const MembersQuery = Type.Object({ status: Type.Optional(StatusSchema) }, { additionalProperties: false })

export const SessionSchema = Type.Object({
  id: Type.Integer(),
  isCurrent: Type.Boolean(),
  createdAt: Type.Number(),
  lastSeenAt: Type.Number(),
  userAgent: Type.String(),
  ip: Type.String(),
})

export const InviteSchema = Type.Object({
  id: Type.Integer(),
  code: Type.String(),
  url: Type.String(),
  role: RoleSchema,
  createdAt: Type.Number(),
  expiresAt: Type.Number(),
  maxUses: Type.Integer(),
  uses: Type.Integer(),
  isUsable: Type.Boolean(),
  revokedAt: Type.Union([Type.Number(), Type.Null()]),
})

export const NewInviteBody = Body({
  role: Type.Union([Type.Literal('staff'), Type.Literal('manager')]),
  expiresInHours: Type.Integer({ minimum: 1, maximum: 24 * 30 }),
  maxUses: Type.Integer({ minimum: 1, maximum: 100 }),
})

export const JoinCodeSchema = Type.Object({ code: Type.String(), url: Type.String(), qrSvg: Type.String() })

export const JoinCodeParams = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
)

export const JoinInfoSchema = Type.Object({
  shopName: Type.String(),
  role: RoleSchema,
  via: Type.Union([Type.Literal('invite'), Type.Literal('join_code')]),
})

export const JoinBody = Body({
  code: Type.String({ minLength: 1, maxLength: 64 }),
  displayName: DisplayName,
  username: Username,
  password: Password,
})
