# Static test of modules/storage with one environment's values (scripts/static-tests.sh prepends
# that environment's core/terraform.tfvars as the file-level variables block). Offline, mocked
# AWS provider.

mock_provider "aws" {
  source = "./tests/mocks/aws"
}

run "bucket" {
  command = apply

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/s3"
  }

  override_resource {
    target = aws_s3_bucket.this
    values = { arn = "arn:aws:s3:::storage-under-test" }
  }
  override_resource {
    target = aws_s3_bucket.logs
    values = { arn = "arn:aws:s3:::access-logs-under-test" }
  }
  override_data {
    target = data.aws_iam_policy_document.tls_only
    values = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"tls-only-under-test\"}]}" }
  }

  # --- encryption ----------------------------------------------------------------------------
  assert {
    condition = alltrue([for r in aws_s3_bucket_server_side_encryption_configuration.this.rule :
      r.bucket_key_enabled && alltrue([for d in r.apply_server_side_encryption_by_default : d.sse_algorithm == "aws:kms" && d.kms_master_key_id == var.kms_key_arn])
    ]) && length(aws_s3_bucket_server_side_encryption_configuration.this.rule) == 1
    error_message = "The bucket must default to SSE-KMS with the environment's S3 key and a bucket key."
  }

  # --- no public access, TLS only ------------------------------------------------------------
  assert {
    condition = (aws_s3_bucket_public_access_block.this.block_public_acls && aws_s3_bucket_public_access_block.this.block_public_policy &&
    aws_s3_bucket_public_access_block.this.ignore_public_acls && aws_s3_bucket_public_access_block.this.restrict_public_buckets)
    error_message = "All four public access blocks must be on."
  }
  assert {
    condition     = one(aws_s3_bucket_ownership_controls.this.rule).object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled (BucketOwnerEnforced)."
  }
  assert {
    condition = anytrue([for s in data.aws_iam_policy_document.tls_only.statement :
      s.effect == "Deny" && contains(s.actions, "s3:*") &&
      toset(s.resources) == toset([aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]) &&
      anytrue([for p in s.principals : p.type == "*" && contains(p.identifiers, "*")]) &&
      anytrue([for c in s.condition : c.test == "Bool" && c.variable == "aws:SecureTransport" && toset(c.values) == toset(["false"])])
    ])
    error_message = "The bucket policy must deny every request over plain HTTP, to the bucket and its objects."
  }
  assert {
    condition     = aws_s3_bucket_policy.this.policy == data.aws_iam_policy_document.tls_only.json && aws_s3_bucket_policy.this.bucket == aws_s3_bucket.this.id
    error_message = "The TLS-only document must be the bucket's policy."
  }

  # --- data lifecycle ------------------------------------------------------------------------
  assert {
    condition     = one(aws_s3_bucket_versioning.this.versioning_configuration).status == (var.versioning ? "Enabled" : "Suspended")
    error_message = "Versioning must follow the tier."
  }
  assert {
    condition = alltrue([for r in aws_s3_bucket_lifecycle_configuration.this.rule :
      alltrue([for x in r.transition : x.storage_class == "STANDARD_IA"]) && length(r.noncurrent_version_transition) == 0
    ])
    error_message = "Live objects may move only to Standard-IA, never to an archive class (Storage reads would fail)."
  }
  assert {
    condition = length([for r in aws_s3_bucket_lifecycle_configuration.this.rule : r if length(r.transition) > 0]) == (var.transition_to_ia_days > 0 ? 1 : 0) && alltrue([
      for r in aws_s3_bucket_lifecycle_configuration.this.rule : alltrue([for x in r.transition : x.days == var.transition_to_ia_days && r.status == "Enabled"])
    ])
    error_message = "The Standard-IA transition must exist exactly when the tier sets transition_to_ia_days, after that many days."
  }
  assert {
    condition     = anytrue([for r in aws_s3_bucket_lifecycle_configuration.this.rule : r.status == "Enabled" && length(r.abort_incomplete_multipart_upload) == 1])
    error_message = "Incomplete multipart uploads must be aborted."
  }
  assert {
    condition     = length(var.cors_allowed_origins) == 0 ? length(aws_s3_bucket_cors_configuration.this) == 0 : toset(one(aws_s3_bucket_cors_configuration.this[0].cors_rule).allowed_origins) == toset(var.cors_allowed_origins)
    error_message = "CORS must allow exactly the configured origins, and none when the list is empty."
  }

  # --- access logging (tiers that turn it on) ------------------------------------------------
  assert {
    condition     = length(aws_s3_bucket.logs) == (var.access_logging ? 1 : 0) && length(aws_s3_bucket_logging.this) == (var.access_logging ? 1 : 0)
    error_message = "The access log bucket and the logging configuration exist exactly when access_logging is on."
  }
  assert {
    # Written over the (zero or one) log bucket instances: HCL's || does not short-circuit.
    condition = alltrue([for i, logs in aws_s3_bucket.logs :
      aws_s3_bucket_logging.this[i].bucket == aws_s3_bucket.this.id && aws_s3_bucket_logging.this[i].target_bucket == logs.id &&
      logs.bucket == var.access_log_bucket_name && aws_s3_bucket_public_access_block.logs[i].restrict_public_buckets &&
      aws_s3_bucket_policy.logs[i].policy == data.aws_iam_policy_document.logs[i].json &&
      anytrue([for s in data.aws_iam_policy_document.logs[i].statement :
        s.effect != "Deny" && toset(s.actions) == toset(["s3:PutObject"]) &&
        anytrue([for p in s.principals : p.type == "Service" && toset(p.identifiers) == toset(["logging.s3.amazonaws.com"])]) &&
        anytrue([for c in s.condition : c.variable == "aws:SourceArn" && toset(c.values) == toset([aws_s3_bucket.this.arn])])
      ]) &&
      anytrue([for s in data.aws_iam_policy_document.logs[i].statement :
        s.effect == "Deny" && anytrue([for c in s.condition : c.variable == "aws:SecureTransport" && toset(c.values) == toset(["false"])])
      ])
    ])
    error_message = "The log bucket must accept server access logs of the storage bucket only (S3 logging service), over TLS, and stay private."
  }
  assert {
    condition = alltrue([for i, logs in aws_s3_bucket.logs :
      anytrue([for s in data.aws_iam_policy_document.logs[i].statement :
        s.effect != "Deny" && toset(s.actions) == toset(["s3:PutObject"]) &&
        toset(s.resources) == toset(["${logs.arn}/${var.load_balancer_log_prefix}/AWSLogs/${data.aws_caller_identity.current.account_id}/*"]) &&
        anytrue([for p in s.principals : p.type == "Service" && toset(p.identifiers) == toset(["logdelivery.elasticloadbalancing.amazonaws.com"])])
      ]) &&
      tolist(data.aws_iam_policy_document.logs[i].source_policy_documents) == tolist(data.aws_iam_policy_document.logs_elb_account[*].json)
    ])
    error_message = "The log bucket must accept the ALB's access logs under its prefix and this account only (ELB log delivery service), plus the regional ELB account's statement where there is one."
  }
  assert {
    condition = (length(data.aws_elb_service_account.current) == (var.access_logging && var.load_balancer_log_account ? 1 : 0) &&
      alltrue([for i, doc in data.aws_iam_policy_document.logs_elb_account :
        anytrue([for s in doc.statement : toset(s.actions) == toset(["s3:PutObject"]) &&
          toset(s.resources) == toset(["${aws_s3_bucket.logs[0].arn}/${var.load_balancer_log_prefix}/AWSLogs/${data.aws_caller_identity.current.account_id}/*"]) &&
        anytrue([for p in s.principals : p.type == "AWS" && toset(p.identifiers) == toset([data.aws_elb_service_account.current[i].arn])])])
    ]))
    error_message = "Regions opened before August 2022 deliver ALB logs as their ELB account: admit it to the prefix there, and only there."
  }

  assert {
    condition     = output.bucket_name == var.bucket_name && output.bucket_arn == aws_s3_bucket.this.arn && output.access_log_bucket_name == (var.access_logging ? var.access_log_bucket_name : null)
    error_message = "The module outputs must expose the bucket (and the log bucket when there is one)."
  }
}

# A region opened after August 2022 (e.g. eu-central-2) has no ELB account: the provider's
# aws_elb_service_account fails there, so the module must not read it.
run "new_region_alb_logs" {
  command = plan

  variables {
    kms_key_arn               = "arn:aws:kms:eu-central-2:123456789012:key/s3"
    access_logging            = true
    load_balancer_log_account = false
  }

  assert {
    condition     = length(data.aws_elb_service_account.current) == 0 && length(data.aws_iam_policy_document.logs_elb_account) == 0
    error_message = "Without an ELB account the module must not look one up."
  }
}

# A tier with transition_to_ia_days: one enabled rule moving live objects to Standard-IA after
# exactly that many days.
run "standard_ia_transition" {
  command = apply

  variables {
    kms_key_arn           = "arn:aws:kms:eu-west-1:123456789012:key/s3"
    transition_to_ia_days = 60
  }

  assert {
    condition = length([for r in aws_s3_bucket_lifecycle_configuration.this.rule : r
      if r.status == "Enabled" && length(r.transition) == 1 && alltrue([for x in r.transition : x.days == 60 && x.storage_class == "STANDARD_IA"])
    ]) == 1
    error_message = "transition_to_ia_days = 60 must give one enabled rule moving live objects to STANDARD_IA after 60 days."
  }
}

# S3 refuses STANDARD_IA before 30 days: the module's own validation says so before AWS does.
run "standard_ia_too_early" {
  command = plan

  variables {
    kms_key_arn           = "arn:aws:kms:eu-west-1:123456789012:key/s3"
    transition_to_ia_days = 29
  }

  expect_failures = [var.transition_to_ia_days]
}
