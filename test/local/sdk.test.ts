import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLocalSdk, MissingPackagesError } from '../../src/local/sdk.js';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

describe("the packages kcl-ts dev loads from the user's project", () => {
  it('names every missing one in one line that says what to install', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'kcl-ts-sdk-'));
    const elsewhere = path.join(empty, 'nowhere.js');
    let error: unknown;
    try {
      loadLocalSdk('dev', empty, true, elsewhere);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MissingPackagesError);
    const message = (error as Error).message;
    expect(message).toBe(
      `kcl-ts dev needs kinesis-local, @aws-sdk/client-kinesis, @aws-sdk/client-dynamodb in this project (looked from ${empty}): npm install -D kinesis-local @aws-sdk/client-kinesis @aws-sdk/client-dynamodb`,
    );
    expect(message).not.toContain('\n');
  });

  it('names only what is missing (status needs no kinesis-local)', () => {
    const project = mkdtempSync(path.join(tmpdir(), 'kcl-ts-sdk-'));
    // a project with a (fake) kinesis client only
    mkdirSync(path.join(project, 'node_modules', '@aws-sdk', 'client-kinesis'), { recursive: true });
    writeFileSync(path.join(project, 'node_modules', '@aws-sdk', 'client-kinesis', 'package.json'), '{"name":"@aws-sdk/client-kinesis","main":"index.js"}');
    writeFileSync(path.join(project, 'node_modules', '@aws-sdk', 'client-kinesis', 'index.js'), '');
    expect(() => loadLocalSdk('status', project, false, path.join(project, 'x.js'))).toThrow(
      `kcl-ts status needs @aws-sdk/client-dynamodb in this project (looked from ${project}): npm install -D @aws-sdk/client-dynamodb`,
    );
  });

  it("loads them from the project, and finds kinesis-local's entry", () => {
    const sdk = loadLocalSdk('dev', REPO, true, path.join(tmpdir(), 'x.js'));
    expect(typeof sdk.kinesis.KinesisClient).toBe('function');
    expect(typeof sdk.dynamodb.ScanCommand).toBe('function');
    expect(typeof sdk.http.NodeHttpHandler).toBe('function');
    expect(sdk.kinesisLocalMain).toBe(path.join(REPO, 'node_modules', 'kinesis-local', 'main.js'));
  });
});
