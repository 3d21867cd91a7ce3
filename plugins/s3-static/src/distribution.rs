//! The CloudFront calls: read and set the `OriginPath` of one origin of a distribution (which
//! release it serves), and invalidate paths. The distribution's config is read and written back
//! whole, as the API wants (`If-Match` with the ETag it was read with), changing only that
//! origin's path.

use sluice_sdk::Error;
use sluice_sdk::http::Method;

use crate::signed::{Api, failure};
use crate::xml;

/// The API version in CloudFront's paths.
const VERSION: &str = "2020-05-31";

/// A distribution and the origin whose path names the live release.
pub struct Distribution {
    api: Api,
    id: String,
    origin: String,
}

impl Distribution {
    /// Distribution `id` of `api` (the CloudFront API), its origin `origin`.
    pub fn new(api: Api, id: &str, origin: &str) -> Distribution {
        Distribution {
            api,
            id: id.to_owned(),
            origin: origin.to_owned(),
        }
    }

    fn config(&self) -> Result<(String, String), Error> {
        let path = format!("/{VERSION}/distribution/{}/config", self.id);
        let response = self.api.send(Method::Get, &path, &[], &[], b"")?;
        if !response.is_success() {
            return Err(failure(
                &format!("reading CloudFront distribution {}", self.id),
                &response,
            ));
        }
        let etag = response.header("etag").unwrap_or_default().to_owned();
        Ok((String::from_utf8_lossy(&response.body).into_owned(), etag))
    }

    /// The origin's `OriginPath` (`""` when it has none).
    pub fn origin_path(&self) -> Result<String, Error> {
        let (config, _) = self.config()?;
        let origin = self.origin_block(&config)?;
        Ok(xml::first(origin, "OriginPath").unwrap_or_default())
    }

    /// Sets the origin's `OriginPath` to `path`.
    pub fn set_origin_path(&self, path: &str) -> Result<(), Error> {
        let (config, etag) = self.config()?;
        let origin = self.origin_block(&config)?;
        let element = format!("<OriginPath>{}</OriginPath>", xml::escape(path));
        let changed = match xml::blocks(origin, "OriginPath").first() {
            Some(old) => origin.replacen(old, &element, 1),
            None if origin.contains("<OriginPath/>") => {
                origin.replacen("<OriginPath/>", &element, 1)
            }
            None => origin.replacen("</Id>", &format!("</Id>{element}"), 1),
        };
        let body = config.replacen(origin, &changed, 1);
        let path = format!("/{VERSION}/distribution/{}/config", self.id);
        let response = self.api.send(
            Method::Put,
            &path,
            &[],
            &[("content-type", "text/xml"), ("if-match", &etag)],
            body.as_bytes(),
        )?;
        if response.is_success() {
            Ok(())
        } else {
            Err(failure(
                &format!("updating CloudFront distribution {}", self.id),
                &response,
            ))
        }
    }

    /// Invalidates `paths` (each starting with `/`); `reference` makes the request idempotent.
    pub fn invalidate(&self, paths: &[String], reference: &str) -> Result<String, Error> {
        let items: String = paths
            .iter()
            .map(|p| format!("<Path>{}</Path>", xml::escape(p)))
            .collect();
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <InvalidationBatch xmlns=\"http://cloudfront.amazonaws.com/doc/{VERSION}/\">\
             <Paths><Quantity>{}</Quantity><Items>{items}</Items></Paths>\
             <CallerReference>{}</CallerReference></InvalidationBatch>",
            paths.len(),
            xml::escape(reference)
        );
        let path = format!("/{VERSION}/distribution/{}/invalidation", self.id);
        let response = self.api.send(
            Method::Post,
            &path,
            &[],
            &[("content-type", "text/xml")],
            body.as_bytes(),
        )?;
        if !response.is_success() {
            return Err(failure(
                &format!("invalidating paths of CloudFront distribution {}", self.id),
                &response,
            ));
        }
        Ok(xml::first(&String::from_utf8_lossy(&response.body), "Id").unwrap_or_default())
    }

    fn origin_block<'a>(&self, config: &'a str) -> Result<&'a str, Error> {
        xml::blocks(config, "Origin")
            .into_iter()
            .find(|block| xml::first(block, "Id").as_deref() == Some(self.origin.as_str()))
            .ok_or_else(|| {
                Error::InvalidConfig(format!(
                    "CloudFront distribution {} has no origin `{}` (its origins: {})",
                    self.id,
                    self.origin,
                    xml::blocks(config, "Origin")
                        .iter()
                        .filter_map(|b| xml::first(b, "Id"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }
}
