import { ProjectionHandler } from '@eda/platform';
import { OrganizationNamesProjection } from './organization-names.projection';

/** The consumer handler of orders.organization-names (the platform derives it from the declaration). */
export class OrganizationNamesHandler extends ProjectionHandler(OrganizationNamesProjection) {}
