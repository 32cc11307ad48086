import { EntitySchema } from 'typeorm';
import { bigintAsNumber } from '@eda/platform';
import type { OrganizationRole } from '@eda/contracts';
import type { CreditReservationState } from '../../domain/credit-reservation.aggregate';

export interface OrganizationRow {
  id: string;
  name: string;
  creditLimitCents: number;
  creditReservedCents: number;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const OrganizationSchema = new EntitySchema<OrganizationRow>({
  name: 'Organization',
  tableName: 'organizations',
  columns: {
    id: { type: 'uuid', primary: true },
    name: { type: 'text' },
    creditLimitCents: { type: 'bigint', name: 'credit_limit_cents', transformer: bigintAsNumber },
    creditReservedCents: { type: 'bigint', name: 'credit_reserved_cents', transformer: bigintAsNumber },
    version: { type: 'integer' },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
  },
});

export interface OrganizationMemberRow {
  organizationId: string;
  userId: string;
  role: OrganizationRole;
  addedAt: Date;
}

export const OrganizationMemberSchema = new EntitySchema<OrganizationMemberRow>({
  name: 'OrganizationMember',
  tableName: 'organization_members',
  columns: {
    organizationId: { type: 'uuid', primary: true, name: 'organization_id' },
    userId: { type: 'uuid', primary: true, name: 'user_id' },
    role: { type: 'text' },
    addedAt: { type: 'timestamptz', name: 'added_at' },
  },
});

/** A credit_reservations row holds exactly the aggregate's state. */
export type CreditReservationRow = CreditReservationState;

export const CreditReservationSchema = new EntitySchema<CreditReservationRow>({
  name: 'CreditReservation',
  tableName: 'credit_reservations',
  columns: {
    orderId: { type: 'text', primary: true, name: 'order_id' },
    organizationId: { type: 'text', name: 'organization_id' },
    userId: { type: 'text', name: 'user_id' },
    amountCents: { type: 'bigint', name: 'amount_cents', transformer: bigintAsNumber },
    outcome: { type: 'text' },
    reason: { type: 'text', nullable: true },
    releasedAt: { type: 'timestamptz', name: 'released_at', nullable: true },
    createdAt: { type: 'timestamptz', name: 'created_at' },
  },
});
