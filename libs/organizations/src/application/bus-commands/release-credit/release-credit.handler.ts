import { Injectable } from '@nestjs/common';
import type { ReleaseCreditData } from '@eda/contracts';
import { OrganizationsCommandTypes } from '@eda/contracts';
import { Clock, CloudEvent, domainEvent, MessageHandler, OnMessage, TransactionScope } from '@eda/platform';
import { CreditReservation } from '../../../domain/credit-reservation.aggregate';
import { InvalidCreditReservationError } from '../../../domain/organization.errors';
import { CreditReservationRepository } from '../../../infrastructure/persistence/credit-reservation.repository';
import { OrganizationRepository } from '../../../infrastructure/persistence/organization.repository';

/**
 * Saga compensation: gives an order's reserved credit back, once. Always answers CreditReleased (keyed by
 * the order id) so a cancelling saga can move on; amountCents is 0 when there was nothing to give back.
 */
@Injectable()
@OnMessage(OrganizationsCommandTypes.ReleaseCredit, { handler: 'organizations.release-credit', context: 'organizations', stream: 'organizations-commands' })
export class ReleaseCreditHandler implements MessageHandler {
  constructor(private readonly clock: Clock) {}

  async handle(message: CloudEvent, tx: TransactionScope): Promise<void> {
    const { orderId, organizationId } = (message.data ?? {}) as Partial<ReleaseCreditData>;
    if (typeof orderId !== 'string' || orderId.length === 0) throw new InvalidCreditReservationError('orderId is required.');
    const reservations = new CreditReservationRepository(tx.manager);
    await reservations.lockOrder(orderId);
    const reservation = await reservations.find(orderId);
    if (!reservation) {
      const data = CreditReservation.releaseNothing(orderId, typeof organizationId === 'string' ? organizationId : '');
      tx.publish(domainEvent('organizations', 'CreditReleased', orderId, data));
      return;
    }
    const holding = reservation.isHolding;
    const organizations = new OrganizationRepository(tx.manager);
    const organization = holding ? await organizations.findForUpdate(reservation.snapshot().organizationId) : null;
    reservation.release(organization, this.clock.now());
    if (holding) {
      if (organization) await organizations.save(organization);
      await reservations.save(reservation);
    }
    tx.collect(reservation);
  }
}
