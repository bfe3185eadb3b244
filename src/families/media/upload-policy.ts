import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The signed form an upload carries, modelled on the S3 POST policy Pinterest's
 * `upload_parameters` are (`MediaUploadParameters` in the spec: key, policy,
 * x-amz-algorithm, x-amz-credential, x-amz-date, x-amz-security-token,
 * x-amz-signature). pinbox signs with a key of its own instead of AWS's, so a
 * forged, altered or stale form is refused the way S3 refuses one.
 */

/** How long an issued form may be used. boto3's presigned POST default; Pinterest does not document its own. */
const UPLOAD_POLICY_TTL_MS = 60 * 60 * 1000;

const BUCKET = 'pinbox-media-upload';
const REGION = 'us-east-1';
const ALGORITHM = 'AWS4-HMAC-SHA256';

/** The fields a client sends back with the file; `file` must come last. */
const SIGNED_FIELDS = ['key', 'policy', 'x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-security-token', 'x-amz-signature'] as const;

export type UploadParameters = Record<(typeof SIGNED_FIELDS)[number] | 'Content-Type', string>;

type Condition = Record<string, string> | ['content-length-range', number, number] | ['starts-with', string, string];

interface PolicyDocument {
  expiration: string;
  conditions: Condition[];
}

/** Why an upload was refused, as S3 names it, with the HTTP status S3 answers. */
export class UploadRefusal extends Error {
  constructor(
    readonly status: number,
    readonly s3Code: string,
    message: string,
  ) {
    super(message);
  }
}

function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** Signs and checks upload forms with a key derived from the instance secret. */
export class UploadPolicies {
  private readonly signingKey: Buffer;

  constructor(instanceSecret: Buffer) {
    this.signingKey = createHmac('sha256', instanceSecret).update('media-upload-policy').digest();
  }

  private sign(text: string): string {
    return createHmac('sha256', this.signingKey).update(text).digest('hex');
  }

  /**
   * Makes the object key and the form for one registered upload.
   * Pinterest's keys look like `uploads/11/aa/22/3:video:203014033110991560:5212123920968240771`.
   */
  issue(input: { mediaId: string; userId: string; now: number; maxBytes: number }): { key: string; expiresAt: number; parameters: UploadParameters } {
    const spread = randomBytes(3).toString('hex');
    const key = `uploads/${spread.slice(0, 2)}/${spread.slice(2, 4)}/${spread.slice(4, 6)}/${input.userId}:video:${input.mediaId}:${randomBytes(8).readBigUInt64BE()}`;
    const date = amzDate(input.now);
    const expiresAt = input.now + UPLOAD_POLICY_TTL_MS;
    const fields = {
      key,
      'x-amz-algorithm': ALGORITHM,
      'x-amz-credential': `PINBOX${this.sign(`credential:${input.userId}`).slice(0, 14).toUpperCase()}/${date.slice(0, 8)}/${REGION}/s3/aws4_request`,
      'x-amz-date': date,
      'x-amz-security-token': Buffer.from(this.sign(`session:${input.mediaId}`), 'hex').toString('base64'),
    };
    const document: PolicyDocument = {
      expiration: new Date(expiresAt).toISOString(),
      conditions: [{ bucket: BUCKET }, ...Object.entries(fields).map(([name, value]) => ({ [name]: value })), ['content-length-range', 1, input.maxBytes]],
    };
    const policy = Buffer.from(JSON.stringify(document)).toString('base64');
    return { key, expiresAt, parameters: { 'Content-Type': 'multipart/form-data', ...fields, policy, 'x-amz-signature': this.sign(policy) } };
  }

  /**
   * Checks the fields of an upload form as S3 does: signature first, then the
   * policy's expiry on pinbox's clock, then every condition.
   * @returns the size range the policy allows.
   * @throws UploadRefusal
   */
  verify(fields: Readonly<Record<string, string>>, now: number): { minBytes: number; maxBytes: number } {
    for (const name of SIGNED_FIELDS) {
      if (!fields[name]) throw new UploadRefusal(400, 'InvalidArgument', `Bucket POST must contain a field named '${name}'. If it is specified, please check the order of the fields.`);
    }
    const given = Buffer.from(fields['x-amz-signature'], 'utf8');
    const expected = Buffer.from(this.sign(fields.policy), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new UploadRefusal(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    }
    let document: PolicyDocument;
    try {
      document = JSON.parse(Buffer.from(fields.policy, 'base64').toString('utf8')) as PolicyDocument;
    } catch {
      throw new UploadRefusal(400, 'InvalidPolicyDocument', 'Invalid Policy: Invalid JSON.');
    }
    if (!(Date.parse(document.expiration) > now)) throw new UploadRefusal(403, 'AccessDenied', 'Invalid according to Policy: Policy expired.');
    let range = { minBytes: 0, maxBytes: Number.MAX_SAFE_INTEGER };
    for (const condition of document.conditions) {
      if (Array.isArray(condition)) {
        if (condition[0] === 'content-length-range') range = { minBytes: condition[1], maxBytes: condition[2] };
        continue;
      }
      for (const [name, value] of Object.entries(condition)) {
        if (name === 'bucket') continue;
        if (fields[name] !== value) {
          throw new UploadRefusal(403, 'AccessDenied', `Invalid according to Policy: Policy Condition failed: ["eq", "$${name}", ${JSON.stringify(value)}]`);
        }
      }
    }
    return range;
  }
}
