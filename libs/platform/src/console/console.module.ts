import { Module } from '@nestjs/common';
import { ConsoleController } from './console.controller';

/** GET /console: the operations console's static shell, in every process (ADR 0013). */
@Module({ controllers: [ConsoleController] })
export class ConsoleModule {}
