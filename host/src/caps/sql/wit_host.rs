//! The WIT `sql` host interface, answered by [`SqlCap`] and its [`DatabaseHandle`]s.

use wasmtime::component::Resource;

use super::{DatabaseHandle, SqlCap};
use crate::wit::sql::{Engine, Host, HostDatabase, Rows, Value};
use crate::wit::types::Error;

impl Host for SqlCap {}

impl HostDatabase for SqlCap {
    async fn open(
        &mut self,
        name: String,
    ) -> wasmtime::Result<Result<Resource<DatabaseHandle>, Error>> {
        match SqlCap::open(self, &name).await {
            Ok(handle) => {
                let resource = self.handles.push(handle)?;
                self.open += 1;
                Ok(Ok(resource))
            }
            Err(error) => Ok(Err(error)),
        }
    }

    async fn engine(&mut self, db: Resource<DatabaseHandle>) -> wasmtime::Result<Engine> {
        Ok(self.handle(&db)?.engine())
    }

    async fn execute(
        &mut self,
        db: Resource<DatabaseHandle>,
        statement: String,
        params: Vec<Value>,
    ) -> wasmtime::Result<Result<u64, Error>> {
        Ok(self.handle(&db)?.execute(statement, params).await)
    }

    async fn execute_script(
        &mut self,
        db: Resource<DatabaseHandle>,
        script: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(self.handle(&db)?.execute_script(script).await)
    }

    async fn query(
        &mut self,
        db: Resource<DatabaseHandle>,
        statement: String,
        params: Vec<Value>,
    ) -> wasmtime::Result<Result<Rows, Error>> {
        Ok(self.handle(&db)?.query(statement, params).await)
    }

    async fn begin(&mut self, db: Resource<DatabaseHandle>) -> wasmtime::Result<Result<(), Error>> {
        Ok(self.handle(&db)?.begin().await)
    }

    async fn commit(
        &mut self,
        db: Resource<DatabaseHandle>,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(self.handle(&db)?.commit().await)
    }

    async fn rollback(
        &mut self,
        db: Resource<DatabaseHandle>,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(self.handle(&db)?.rollback().await)
    }

    async fn lock(
        &mut self,
        db: Resource<DatabaseHandle>,
        key: i64,
        timeout_ms: u32,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(self.handle(&db)?.lock(key, timeout_ms).await)
    }

    async fn unlock(
        &mut self,
        db: Resource<DatabaseHandle>,
        key: i64,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(self.handle(&db)?.unlock(key).await)
    }

    async fn backup(
        &mut self,
        db: Resource<DatabaseHandle>,
    ) -> wasmtime::Result<Result<String, Error>> {
        Ok(self.handle(&db)?.backup().await)
    }

    async fn restore(
        &mut self,
        db: Resource<DatabaseHandle>,
        id: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(self.handle(&db)?.restore(&id).await)
    }

    async fn drop(&mut self, db: Resource<DatabaseHandle>) -> wasmtime::Result<()> {
        self.handles.delete(db)?;
        self.open = self.open.saturating_sub(1);
        Ok(())
    }
}
