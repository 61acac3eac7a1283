variable "region" {
  type    = string
  default = "us-east-1"
}

variable "user_pool_id" {
  type    = string
  default = "us-east-1_h0Vo2Whhx"
}

# Set in terraform.tfvars.
variable "app_client_id" {
  type = string
}
