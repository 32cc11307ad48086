import { ProjectionHandler } from '@eda/platform';
import { UserNamesProjection } from './user-names.projection';

/** The consumer handler of orders.user-names (the platform derives it from the declaration). */
export class UserNamesHandler extends ProjectionHandler(UserNamesProjection) {}
