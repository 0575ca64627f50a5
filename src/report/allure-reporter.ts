import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Vitest } from 'vitest/node';
import AllureVitestReporter from 'allure-vitest/reporter';
import { stringifyEnvInfo, type Writer } from 'allure-js-commons/sdk/reporter';

type Written = Parameters<Writer['writeResult']>[0] | Parameters<Writer['writeGroup']>[0] | unknown;

/**
 * allure-results written plainly. allure-js-commons' FileSystemWriter makes every result and attachment durable
 * (a temporary file, fsync, rename): about 1 s of the main thread in a full run, for files that finalizeAllureResults
 * rewrites a moment later anyway (src/report/allure-results.ts) and that a crash would leave unfinished either way.
 */
export class PlainResultsWriter implements Writer {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private write(name: string, data: string | Buffer): void {
    writeFileSync(join(this.dir, name), data);
  }

  private json(name: string, data: Written): void {
    this.write(name, JSON.stringify(data));
  }

  writeResult(result: Parameters<Writer['writeResult']>[0]): void {
    this.json(`${result.uuid}-result.json`, result);
  }

  writeGroup(result: Parameters<Writer['writeGroup']>[0]): void {
    this.json(`${result.uuid}-container.json`, result);
  }

  writeAttachment(name: string, content: Buffer): void {
    this.write(name, content);
  }

  writeAttachmentFromPath(name: string, from: string): void {
    this.write(name, readFileSync(from));
  }

  writeEnvironmentInfo(info: Parameters<Writer['writeEnvironmentInfo']>[0]): void {
    this.write('environment.properties', stringifyEnvInfo(info));
  }

  writeCategoriesDefinitions(categories: Parameters<Writer['writeCategoriesDefinitions']>[0]): void {
    this.json('categories.json', categories);
  }

  writeGlobals(name: string, info: Parameters<Writer['writeGlobals']>[1]): void {
    this.json(name, info);
  }
}

/** allure-vitest's reporter with the plain writer (its own options, resultsDir included, as they are). */
export class AllureReporter extends AllureVitestReporter {
  constructor(private readonly options: ConstructorParameters<typeof AllureVitestReporter>[0] & { resultsDir: string }) {
    super(options);
  }

  override onInit(vitest: Vitest): void {
    // Its start writes categories.json and environment.properties (two files, allure's own writer); every result and
    // attachment after that goes through the plain one.
    super.onInit(vitest);
    (this as unknown as { allureReporterRuntime: { writer: Writer } }).allureReporterRuntime.writer = new PlainResultsWriter(this.options.resultsDir);
  }
}
