import { ProjectionHandler } from '@eda/platform';
import { UserMembershipsProjection } from './user-memberships.projection';

/** The consumer handler of users.user-memberships (the platform derives it from the declaration). */
export class UserMembershipsHandler extends ProjectionHandler(UserMembershipsProjection) {}
