import { ProjectionHandler } from '@eda/platform';
import { KnownUsersProjection } from './known-users.projection';

/** The consumer handler of organizations.known-users (the platform derives it from the declaration). */
export class KnownUsersHandler extends ProjectionHandler(KnownUsersProjection) {}
