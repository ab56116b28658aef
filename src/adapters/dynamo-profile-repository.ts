import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from "@aws-sdk/lib-dynamodb";
import type { ProfileRepository } from "../app/ports";
import type { Profile } from "../domain/profile";

/** {@link ProfileRepository} on one DynamoDB table keyed by `id`. */
export class DynamoProfileRepository implements ProfileRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(id: string): Promise<Profile | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }),
    );
    return out.Item as Profile | undefined;
  }

  async put(profile: Profile): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: profile }));
  }

  async delete(id: string): Promise<boolean> {
    const out = await this.db.send(
      new DeleteCommand({ TableName: this.table, Key: { id }, ReturnValues: "ALL_OLD" }),
    );
    return out.Attributes !== undefined;
  }
}
