import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..');

type Policy = 'api' | 'relay' | 'consumer-polling' | 'consumer-efo' | 'smoke';

/**
 * Which policy of docs/aws.md covers each source file that sends a Kinesis command. A file that starts sending one
 * must be placed here, so its actions are checked against the policy of the processes that run it.
 */
const POLICIES_OF_FILE: Record<string, Policy[]> = {
  'libs/platform/src/kinesis/stream-provisioner.ts': ['api', 'relay', 'consumer-polling', 'consumer-efo', 'smoke'],
  'libs/platform/src/observability/infrastructure-readiness.ts': ['api', 'relay', 'consumer-polling', 'consumer-efo'],
  'libs/platform/src/relay/stream-stats.ts': ['api'],
  'libs/platform/src/relay/ordered-publisher.ts': ['relay', 'smoke'],
  'libs/platform/src/consumer/reading/shard-discovery.ts': ['consumer-polling', 'consumer-efo', 'smoke'],
  'libs/platform/src/consumer/reading/shard-reader.ts': ['consumer-polling'],
  'libs/platform/src/consumer/reading/stream-consumer-registry.ts': ['consumer-efo', 'smoke'],
  'libs/platform/src/consumer/reading/fan-out-reader.ts': ['consumer-efo'],
  'apps/api/src/cli/kinesis-smoke.ts': ['smoke'],
};

/** What the Lambda event source mapping calls on the function's behalf (the function code calls nothing). */
const EVENT_SOURCE_MAPPING = ['DescribeStream', 'DescribeStreamSummary', 'GetRecords', 'GetShardIterator', 'ListShards', 'ListStreams'];

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!['node_modules', 'testing', 'fixtures'].includes(name)) yield* sourceFiles(path);
    } else if (name.endsWith('.ts') && !name.endsWith('.spec.ts')) {
      yield path;
    }
  }
}

/** Source file → the Kinesis actions it sends (`new XCommand(` of a command imported from @aws-sdk/client-kinesis). */
function kinesisCallsInCode(): Map<string, Set<string>> {
  const calls = new Map<string, Set<string>>();
  for (const dir of ['apps', 'libs']) {
    for (const path of sourceFiles(join(root, dir))) {
      const text = readFileSync(path, 'utf8');
      const imports = [...text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'@aws-sdk\/client-kinesis'/g)].flatMap((m) => m[1].split(',').map((s) => s.trim()));
      const commands = [...text.matchAll(/new (\w+)Command\(/g)].map((m) => m[1]).filter((name) => imports.includes(`${name}Command`));
      if (commands.length > 0) calls.set(relative(root, path), new Set(commands));
    }
  }
  return calls;
}

/** docs/aws.md's policies: each `#### Policy: <name>` heading and the JSON block after it. */
function documentedPolicies(): Map<string, Array<{ Action: string | string[]; Resource: string | string[] }>> {
  const doc = readFileSync(join(root, 'docs', 'aws.md'), 'utf8');
  const policies = new Map<string, Array<{ Action: string | string[]; Resource: string | string[] }>>();
  for (const m of doc.matchAll(/^#### Policy: (\S+)\n[\s\S]*?```json\n([\s\S]*?)```/gm)) {
    const policy = JSON.parse(m[2]) as { Version: string; Statement: Array<{ Effect: string; Action: string | string[]; Resource: string | string[] }> };
    expect(policy.Version).toBe('2012-10-17');
    expect(policy.Statement.every((s) => s.Effect === 'Allow')).toBe(true);
    policies.set(m[1], policy.Statement);
  }
  return policies;
}

const actionsOf = (statements: Array<{ Action: string | string[] }>, service: string) =>
  new Set(statements.flatMap((s) => [s.Action].flat()).filter((a) => a.startsWith(`${service}:`)).map((a) => a.slice(service.length + 1)));

describe('docs/aws.md IAM policies against the Kinesis calls in the code', () => {
  const calls = kinesisCallsInCode();
  const policies = documentedPolicies();

  it('knows which role runs every file that calls Kinesis', () => {
    expect([...calls.keys()].sort()).toEqual(Object.keys(POLICIES_OF_FILE).sort());
  });

  it('documents a complete policy for each role, the Lambda execution role and the smoke test', () => {
    expect([...policies.keys()].sort()).toEqual(['api', 'consumer-efo', 'consumer-polling', 'lambda', 'relay', 'smoke']);
  });

  it.each(['api', 'relay', 'consumer-polling', 'consumer-efo', 'smoke'] as Policy[])('policy %s allows exactly the Kinesis actions its code calls', (name) => {
    const needed = new Set([...calls].filter(([file]) => POLICIES_OF_FILE[file]?.includes(name)).flatMap(([, actions]) => [...actions]));
    expect([...actionsOf(policies.get(name)!, 'kinesis')].sort()).toEqual([...needed].sort());
  });

  it('scopes the consumer actions to the stream consumer, the rest to the prefixed streams, ListStreams to *', () => {
    for (const [name, statements] of policies) {
      for (const statement of statements) {
        const actions = [statement.Action].flat().filter((a) => a.startsWith('kinesis:'));
        const resources = [statement.Resource].flat();
        if (actions.length === 0) continue;
        if (actions.includes('kinesis:ListStreams')) expect({ name, actions, resources }).toEqual({ name, actions: ['kinesis:ListStreams'], resources: ['*'] });
        else if (actions.some((a) => ['kinesis:SubscribeToShard', 'kinesis:DescribeStreamConsumer'].includes(a))) {
          expect({ name, resources }).toEqual({ name, resources: [expect.stringMatching(/^arn:aws:kinesis:REGION:ACCOUNT:stream\/eda-[a-z-]*\*\/consumer\/\*$/)] });
          expect(actions.sort()).toEqual(['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard']);
        } else expect({ name, resources }).toEqual({ name, resources: [expect.stringMatching(/^arn:aws:kinesis:REGION:ACCOUNT:stream\/eda-[a-z-]*\*$/)] });
      }
    }
  });

  it('gives writers kms:GenerateDataKey, readers kms:Decrypt and whoever turns encryption on kms:DescribeKey', () => {
    const kms = (name: string) => [...actionsOf(policies.get(name)!, 'kms')].sort();
    expect(kms('api')).toEqual(['DescribeKey']);
    expect(kms('relay')).toEqual(['DescribeKey', 'GenerateDataKey']);
    expect(kms('consumer-polling')).toEqual(['Decrypt', 'DescribeKey']);
    expect(kms('consumer-efo')).toEqual(['Decrypt', 'DescribeKey']);
    expect(kms('lambda')).toEqual(['Decrypt']);
    expect(kms('smoke')).toEqual(['Decrypt', 'DescribeKey', 'GenerateDataKey']);
  });

  it('gives the Lambda execution role what the event source mapping calls, and the function code calls nothing', () => {
    expect([...actionsOf(policies.get('lambda')!, 'kinesis')].sort()).toEqual([...EVENT_SOURCE_MAPPING].sort());
    expect([...calls.keys()].filter((file) => file.startsWith('apps/lambda/') || file.endsWith('kinesis-event-consumer.ts'))).toEqual([]);
  });
});

describe('docs/aws.md alarm table', () => {
  it('names only app metrics that the code registers', () => {
    const doc = readFileSync(join(root, 'docs', 'aws.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## What to alarm on'), doc.indexOf('\n## ', doc.indexOf('## What to alarm on') + 1));
    const named = new Set([...table.matchAll(/`((?:eda|relay)_[a-z_]+)`/g)].map((m) => m[1]));
    expect(named.size).toBeGreaterThan(5);
    const registered = new Set<string>();
    for (const path of sourceFiles(join(root, 'libs'))) {
      for (const m of readFileSync(path, 'utf8').matchAll(/\.(?:counter|gauge|histogram|summary)\(\s*'((?:eda|relay)_[a-z_]+)'/g)) registered.add(m[1]);
    }
    expect([...named].filter((name) => !registered.has(name))).toEqual([]);
  });
});
