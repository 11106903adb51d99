/**
 * drizzle relations (for `db.query.*`). Kept in one file because they point across aggregates in
 * both directions; the tables themselves stay one file per aggregate.
 */
import { relations } from "drizzle-orm";
import { applications } from "./applications.js";
import { brands } from "./brands.js";
import { emailDevices, staticDevices, staticTokens, totpDevices, webauthnDevices } from "./devices.js";
import { flowStageBindings, flows, stages } from "./flows.js";
import { groupMemberships, groupParents, groups } from "./groups.js";
import { outpostProviders, outposts } from "./outposts.js";
import { policies, policyBindingModels, policyBindings } from "./policies.js";
import { providers } from "./providers.js";
import { authenticatedSessions } from "./sessions.js";
import { tokens } from "./tokens.js";
import { users } from "./users.js";

export const usersRelations = relations(users, ({ many }) => ({
  memberships: many(groupMemberships),
  tokens: many(tokens),
  sessions: many(authenticatedSessions),
  totpDevices: many(totpDevices),
  webauthnDevices: many(webauthnDevices),
  staticDevices: many(staticDevices),
  emailDevices: many(emailDevices),
}));

export const groupsRelations = relations(groups, ({ many }) => ({
  memberships: many(groupMemberships),
  parents: many(groupParents, { relationName: "child" }),
  children: many(groupParents, { relationName: "parent" }),
}));

export const groupParentsRelations = relations(groupParents, ({ one }) => ({
  child: one(groups, { fields: [groupParents.childId], references: [groups.groupUuid], relationName: "child" }),
  parent: one(groups, { fields: [groupParents.parentId], references: [groups.groupUuid], relationName: "parent" }),
}));

export const groupMembershipsRelations = relations(groupMemberships, ({ one }) => ({
  user: one(users, { fields: [groupMemberships.userId], references: [users.id] }),
  group: one(groups, { fields: [groupMemberships.groupId], references: [groups.groupUuid] }),
}));

export const policyBindingModelsRelations = relations(policyBindingModels, ({ many }) => ({
  bindings: many(policyBindings),
}));

export const policyBindingsRelations = relations(policyBindings, ({ one }) => ({
  target: one(policyBindingModels, {
    fields: [policyBindings.targetId],
    references: [policyBindingModels.pbmUuid],
  }),
  policy: one(policies, { fields: [policyBindings.policyId], references: [policies.policyUuid] }),
  group: one(groups, { fields: [policyBindings.groupId], references: [groups.groupUuid] }),
  user: one(users, { fields: [policyBindings.userId], references: [users.id] }),
}));

export const flowsRelations = relations(flows, ({ one, many }) => ({
  pbm: one(policyBindingModels, { fields: [flows.flowUuid], references: [policyBindingModels.pbmUuid] }),
  stageBindings: many(flowStageBindings),
}));

export const flowStageBindingsRelations = relations(flowStageBindings, ({ one }) => ({
  pbm: one(policyBindingModels, {
    fields: [flowStageBindings.fsbUuid],
    references: [policyBindingModels.pbmUuid],
  }),
  target: one(flows, { fields: [flowStageBindings.targetId], references: [flows.flowUuid] }),
  stage: one(stages, { fields: [flowStageBindings.stageId], references: [stages.stageUuid] }),
}));

export const stagesRelations = relations(stages, ({ many }) => ({
  bindings: many(flowStageBindings),
}));

export const applicationsRelations = relations(applications, ({ one }) => ({
  pbm: one(policyBindingModels, {
    fields: [applications.pbmUuid],
    references: [policyBindingModels.pbmUuid],
  }),
  provider: one(providers, { fields: [applications.providerId], references: [providers.id] }),
}));

export const providersRelations = relations(providers, ({ one, many }) => ({
  authenticationFlow: one(flows, { fields: [providers.authenticationFlowId], references: [flows.flowUuid] }),
  authorizationFlow: one(flows, { fields: [providers.authorizationFlowId], references: [flows.flowUuid] }),
  invalidationFlow: one(flows, { fields: [providers.invalidationFlowId], references: [flows.flowUuid] }),
  application: one(applications),
  outposts: many(outpostProviders),
}));

export const brandsRelations = relations(brands, ({ one }) => ({
  flowAuthentication: one(flows, { fields: [brands.flowAuthenticationId], references: [flows.flowUuid] }),
  flowInvalidation: one(flows, { fields: [brands.flowInvalidationId], references: [flows.flowUuid] }),
  flowRecovery: one(flows, { fields: [brands.flowRecoveryId], references: [flows.flowUuid] }),
  flowUnenrollment: one(flows, { fields: [brands.flowUnenrollmentId], references: [flows.flowUuid] }),
  flowUserSettings: one(flows, { fields: [brands.flowUserSettingsId], references: [flows.flowUuid] }),
  flowDeviceCode: one(flows, { fields: [brands.flowDeviceCodeId], references: [flows.flowUuid] }),
}));

export const tokensRelations = relations(tokens, ({ one }) => ({
  user: one(users, { fields: [tokens.userId], references: [users.id] }),
}));

export const authenticatedSessionsRelations = relations(authenticatedSessions, ({ one }) => ({
  user: one(users, { fields: [authenticatedSessions.userId], references: [users.id] }),
}));

export const totpDevicesRelations = relations(totpDevices, ({ one }) => ({
  user: one(users, { fields: [totpDevices.userId], references: [users.id] }),
}));

export const webauthnDevicesRelations = relations(webauthnDevices, ({ one }) => ({
  user: one(users, { fields: [webauthnDevices.userId], references: [users.id] }),
}));

export const staticDevicesRelations = relations(staticDevices, ({ one, many }) => ({
  user: one(users, { fields: [staticDevices.userId], references: [users.id] }),
  tokens: many(staticTokens),
}));

export const staticTokensRelations = relations(staticTokens, ({ one }) => ({
  device: one(staticDevices, { fields: [staticTokens.deviceId], references: [staticDevices.id] }),
}));

export const emailDevicesRelations = relations(emailDevices, ({ one }) => ({
  user: one(users, { fields: [emailDevices.userId], references: [users.id] }),
}));

export const outpostsRelations = relations(outposts, ({ one, many }) => ({
  token: one(tokens, { fields: [outposts.tokenId], references: [tokens.tokenUuid] }),
  providers: many(outpostProviders),
}));

export const outpostProvidersRelations = relations(outpostProviders, ({ one }) => ({
  outpost: one(outposts, { fields: [outpostProviders.outpostId], references: [outposts.uuid] }),
  provider: one(providers, { fields: [outpostProviders.providerId], references: [providers.id] }),
}));
