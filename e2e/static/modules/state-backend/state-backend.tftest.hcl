# Static test of modules/state-backend with the values of the bootstrap root that holds one
# environment's state (scripts/static-tests.sh prepends out/bootstrap/<account>-<region>/
# terraform.tfvars as the file-level variables block). Offline, mocked AWS provider.

mock_provider "aws" {
  source = "./tests/mocks/aws"
}

run "state_bucket" {
  command = apply

  override_resource {
    target = aws_s3_bucket.this
    values = { arn = "arn:aws:s3:::state-under-test", id = "state-under-test" }
  }
  override_resource {
    target = aws_kms_key.this
    values = { arn = "arn:aws:kms:eu-west-1:123456789012:key/state-under-test", key_id = "state-under-test" }
  }
  override_data {
    target = data.aws_iam_policy_document.bucket
    values = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"bucket-policy-under-test\"}]}" }
  }
  override_data {
    target = data.aws_iam_policy_document.key
    values = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"key-policy-under-test\"}]}" }
  }

  # --- the bucket keeps state: named as configured, never force-destroyed, versioned ---------
  assert {
    condition     = aws_s3_bucket.this.bucket == var.bucket_name && !aws_s3_bucket.this.force_destroy
    error_message = "The state bucket must carry state.bucket's name and must not be force-destroyed."
  }
  assert {
    condition     = one(aws_s3_bucket_versioning.this.versioning_configuration).status == "Enabled" && aws_s3_bucket_versioning.this.bucket == aws_s3_bucket.this.id
    error_message = "The state bucket must be versioned (a bad apply must be recoverable)."
  }

  # --- SSE-KMS with its own key ---------------------------------------------------------------
  assert {
    condition = length(aws_s3_bucket_server_side_encryption_configuration.this.rule) == 1 && alltrue([
      for r in aws_s3_bucket_server_side_encryption_configuration.this.rule : r.bucket_key_enabled && alltrue([
        for d in r.apply_server_side_encryption_by_default : d.sse_algorithm == "aws:kms" && d.kms_master_key_id == aws_kms_key.this.arn
    ])])
    error_message = "The state bucket must default to SSE-KMS with its own key."
  }
  assert {
    condition     = aws_kms_key.this.enable_key_rotation && aws_kms_key.this.policy == data.aws_iam_policy_document.key.json
    error_message = "The state key must rotate and carry its own key policy."
  }
  assert {
    condition     = aws_kms_alias.this.name == var.kms_alias_name && aws_kms_alias.this.target_key_id == aws_kms_key.this.key_id
    error_message = "The alias the backends name (kms_key_id) must point at the state key."
  }
  assert {
    condition = alltrue([for s in data.aws_iam_policy_document.key.statement :
      contains(s.actions, "kms:Decrypt") ? anytrue([for c in s.condition : c.test == "StringEquals" && c.variable == "kms:ViaService" && toset(c.values) == toset(["s3.eu-west-1.amazonaws.com"])]) : true
    ])
    error_message = "The state key may be used for cryptography only through S3."
  }

  # --- TLS only, KMS only, no public access ---------------------------------------------------
  assert {
    condition = anytrue([for s in data.aws_iam_policy_document.bucket.statement :
      s.effect == "Deny" && contains(s.actions, "s3:*") &&
      toset(s.resources) == toset([aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]) &&
      anytrue([for p in s.principals : p.type == "*" && contains(p.identifiers, "*")]) &&
      anytrue([for c in s.condition : c.test == "Bool" && c.variable == "aws:SecureTransport" && toset(c.values) == toset(["false"])])
    ])
    error_message = "The state bucket's policy must deny every request over plain HTTP, to the bucket and its objects."
  }
  assert {
    condition = anytrue([for s in data.aws_iam_policy_document.bucket.statement :
      s.effect == "Deny" && contains(s.actions, "s3:PutObject") &&
      anytrue([for c in s.condition : c.test == "StringNotEquals" && c.variable == "s3:x-amz-server-side-encryption" && toset(c.values) == toset(["aws:kms"])])
    ])
    error_message = "The state bucket's policy must refuse objects encrypted other than with SSE-KMS."
  }
  assert {
    condition     = aws_s3_bucket_policy.this.policy == data.aws_iam_policy_document.bucket.json && aws_s3_bucket_policy.this.bucket == aws_s3_bucket.this.id
    error_message = "The TLS-only document must be the state bucket's policy."
  }
  assert {
    condition = (aws_s3_bucket_public_access_block.this.block_public_acls && aws_s3_bucket_public_access_block.this.block_public_policy &&
    aws_s3_bucket_public_access_block.this.ignore_public_acls && aws_s3_bucket_public_access_block.this.restrict_public_buckets)
    error_message = "All four public access blocks must be on."
  }
  assert {
    condition     = one(aws_s3_bucket_ownership_controls.this.rule).object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled (BucketOwnerEnforced)."
  }

  # --- housekeeping ---------------------------------------------------------------------------
  assert {
    condition = anytrue([for r in aws_s3_bucket_lifecycle_configuration.this.rule :
      r.status == "Enabled" && one(r.noncurrent_version_expiration).noncurrent_days == var.noncurrent_version_expiration_days && one(r.abort_incomplete_multipart_upload).days_after_initiation > 0
    ])
    error_message = "Previous state versions must expire after noncurrent_version_expiration_days and incomplete uploads must be aborted."
  }
}
