import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { PinoLogger } from 'nestjs-pino';
import { runInMessageContext } from '@eda/platform';
import { AppLogger, logContext, prettyLogs } from './logging';

describe('log lines', () => {
  it('carry the correlation id of the message being handled, and the trace and span ids of the active span', () => {
    expect(logContext()).toEqual({});
    const fields = runInMessageContext({ correlationId: 'corr-1', causationId: 'cause-1', traceparent: undefined as never }, () => logContext());
    expect(fields).toEqual({ correlationId: 'corr-1' });

    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
      const inSpan = context.with(trace.setSpanContext(context.active(), spanContext), () => logContext());
      expect(inSpan).toEqual({ traceId: spanContext.traceId, spanId: spanContext.spanId });
    } finally {
      context.disable();
    }
  });

  it('are pretty for a person at a terminal and JSON for pipes and collectors, unless LOG_FORMAT says', () => {
    expect(prettyLogs('auto', true)).toBe(true);
    expect(prettyLogs('auto', false)).toBe(false);
    expect(prettyLogs('json', true)).toBe(false);
    expect(prettyLogs('pretty', false)).toBe(true);
  });

  it('keep Nest\'s start-up lines (one per module and route) at debug, and everything else at its level', () => {
    const calls: Array<[string, unknown]> = [];
    const pino = {
      debug: (...args: unknown[]) => calls.push(['debug', args.at(-1)]),
      info: (...args: unknown[]) => calls.push(['info', args.at(-1)]),
      assign: () => undefined,
    } as unknown as PinoLogger;
    const logger = new AppLogger(pino, {});
    logger.log('OrdersModule dependencies initialized', 'InstanceLoader');
    logger.log('Mapped {/orders, POST} route', 'RouterExplorer');
    logger.log('Worker w1 of group eda reads orders-events', 'ConsumerWorker');
    expect(calls.map(([level]) => level)).toEqual(['debug', 'debug', 'info']);
  });
});
