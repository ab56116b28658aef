import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, Table } from "aws-cdk-lib/aws-dynamodb";
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { SNAPSHOTS_PREFIX, STAGED_PREFIX, UPLOADS_PREFIX } from "../storage";
import { type KeySpec, TABLES, type TableKey } from "../tables";

/** How long trial graphs stay in the bucket. */
export const SNAPSHOT_RETENTION_DAYS = 14;
/** How long S3 server access logs are kept. */
export const ACCESS_LOG_RETENTION_DAYS = 90;

function attribute(key: KeySpec) {
  return { name: key.name, type: key.type === "S" ? AttributeType.STRING : AttributeType.NUMBER };
}

/** The vectors bucket (with its server access log bucket) and the tables of infra/tables.ts. */
export class Storage extends Construct {
  /** The service's bucket: vectors, graphs, snapshots, journals. */
  readonly bucket: Bucket;
  /** The bucket the service bucket's access logs go to. */
  readonly accessLogs: Bucket;
  /** Every table of {@link TABLES}, by its key. */
  readonly tables = {} as Record<TableKey, Table>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const privateBucket = {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    };
    this.accessLogs = new Bucket(this, "AccessLogsBucket", {
      ...privateBucket,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: "ExpireLogs", expiration: Duration.days(ACCESS_LOG_RETENTION_DAYS) }],
    });
    this.bucket = new Bucket(this, "VectorsBucket", {
      ...privateBucket,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: "vectors/",
      lifecycleRules: [
        // Trial graphs are only needed until a promotion activates them (activation copies the
        // graph it serves); autotune makes several per run, so they expire.
        {
          id: "ExpireTrialSnapshots",
          prefix: SNAPSHOTS_PREFIX,
          expiration: Duration.days(SNAPSHOT_RETENTION_DAYS),
        },
        // Files uploaded for bulk import are read once; a few days leave room to re-run one.
        { id: "ExpireUploads", prefix: UPLOADS_PREFIX, expiration: Duration.days(3) },
        // A task reads its staged input within 15 minutes of the request and removes it; one
        // left behind (its run lost) goes after two days.
        { id: "ExpireStagedInputs", prefix: STAGED_PREFIX, expiration: Duration.days(2) },
        { id: "AbortIncompleteUploads", abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });

    for (const [key, spec] of Object.entries(TABLES)) {
      const table = new Table(this, spec.id, {
        partitionKey: attribute(spec.partitionKey),
        ...("sortKey" in spec ? { sortKey: attribute(spec.sortKey as KeySpec) } : {}),
        ...("timeToLiveAttribute" in spec
          ? { timeToLiveAttribute: spec.timeToLiveAttribute as string }
          : {}),
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        removalPolicy: RemovalPolicy.RETAIN,
      });
      for (const gsi of ("globalIndexes" in spec ? spec.globalIndexes : undefined) ?? []) {
        table.addGlobalSecondaryIndex({
          indexName: gsi.indexName,
          partitionKey: attribute(gsi.partitionKey),
          ...(gsi.sortKey ? { sortKey: attribute(gsi.sortKey) } : {}),
        });
      }
      this.tables[key as TableKey] = table;
    }
  }
}
