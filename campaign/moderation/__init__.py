"""Moderating signatures: roles, the review queue, actions on chosen signatures, bulk
invalidations, the dashboard and the audit trail."""
